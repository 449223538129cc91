/**
 * The verification plan (DESIGN.md §4): what the coder hands to `submit_verification`, what the
 * runner executes against the base and head apps, what the manifest stores.
 */
import { z } from 'zod';

export const targetSchema = z.union([
  z.object({ role: z.string().min(1), name: z.string().optional(), exact: z.boolean().optional() }).strict(),
  z.object({ label: z.string().min(1) }).strict(),
  z.object({ text: z.string().min(1) }).strict(),
  z.object({ testId: z.string().min(1) }).strict(),
  z.object({ css: z.string().min(1) }).strict(),
]);
export type Target = z.infer<typeof targetSchema>;

export const stepSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('goto'), url: z.string().min(1) }),
  z.object({ action: z.literal('click'), target: targetSchema }),
  z.object({ action: z.literal('fill'), target: targetSchema, value: z.string() }),
  z.object({ action: z.literal('press'), key: z.string().min(1), target: targetSchema.optional() }),
  z.object({
    action: z.literal('select'),
    target: targetSchema,
    value: z.union([z.string(), z.array(z.string())]),
  }),
  z.object({ action: z.literal('expect_visible'), target: targetSchema }),
  z.object({ action: z.literal('expect_hidden'), target: targetSchema }),
  z.object({ action: z.literal('expect_text'), target: targetSchema, text: z.string() }),
  z.object({ action: z.literal('expect_url'), pattern: z.string().min(1) }),
  z.object({ action: z.literal('screenshot'), caption: z.string().optional() }),
]);
export type Step = z.infer<typeof stepSchema>;

export const planSchema = z.object({
  title: z.string().min(1),
  steps: z.array(stepSchema).min(1).max(40),
});
export type VerificationPlan = z.infer<typeof planSchema>;

export const EXPECT_ACTIONS = new Set(['expect_visible', 'expect_hidden', 'expect_text', 'expect_url']);
