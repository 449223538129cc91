/** The reviewer's verdict tool. */
import { z } from 'zod';
import { defineTool, toolResult } from '../../core/tool.ts';
import type { LoopState } from './context.ts';

export const reviewInput = z.object({
  verdict: z.enum(['approve', 'request_changes', 'reject']),
  comments: z
    .array(
      z.object({
        path: z.string().optional(),
        line: z.number().int().positive().optional(),
        body: z.string().min(1),
      }),
    )
    .default([]),
});

export const submitReview = defineTool({
  name: 'submit_review',
  description:
    'Give your verdict. approve: the change does what was asked, is proven and is safe to merge. request_changes: fixable problems; say exactly what to change in comments. reject: the request should not be done this way at all (unsafe, out of scope, harmful). Comments may name a path and line.',
  kind: 'assert',
  input: reviewInput,
  async run(ctx: { state: LoopState }, input) {
    ctx.state.review = { verdict: input.verdict, comments: input.comments };
    return toolResult(`Review submitted: ${input.verdict}.`);
  },
});
