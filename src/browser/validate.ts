/**
 * Validation of a verification plan with errors the model can fix: each names the step (1-based,
 * as the model counts), its action and the field, and says what is expected instead.
 */
import type { z } from 'zod';
import { EXPECT_ACTIONS, planSchema, stepSchema, targetSchema, type VerificationPlan } from './plan.ts';
import { urlMatcher } from './targets.ts';

export type PlanValidation = { ok: true; plan: VerificationPlan } | { ok: false; errors: string[] };

const ACTIONS = [
  'goto',
  'click',
  'fill',
  'press',
  'select',
  'expect_visible',
  'expect_hidden',
  'expect_text',
  'expect_url',
  'screenshot',
];
const TARGET_SHAPES = '{role, name?, exact?}, {label}, {text}, {testId} or {css}';

export function validatePlan(input: unknown): PlanValidation {
  const errors: string[] = [];
  if (typeof input === 'string') {
    try {
      input = JSON.parse(input);
    } catch {
      return { ok: false, errors: ['plan: not valid JSON; give an object {title, steps: [...]}'] };
    }
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: ['plan: must be an object {title, steps: [...]}'] };
  }
  const raw = input as { title?: unknown; steps?: unknown };
  if (typeof raw.title !== 'string' || !raw.title.trim())
    errors.push('title: give a short title saying what the plan proves');
  if (!Array.isArray(raw.steps)) {
    errors.push('steps: must be an array of steps');
    return { ok: false, errors };
  }
  if (raw.steps.length === 0) errors.push('steps: give at least a goto and one expect_* step');
  if (raw.steps.length > 40)
    errors.push(`steps: at most 40 steps (got ${raw.steps.length}); keep the plan to the change`);
  raw.steps.forEach((step, i) => errors.push(...stepErrors(step, i)));

  const steps = raw.steps as { action?: unknown; url?: unknown }[];
  if (steps.length && steps[0]?.action !== 'goto') {
    errors.push('step 1: must be a goto — every run starts on a blank page');
  }
  if (steps.length && !steps.some((s) => typeof s?.action === 'string' && EXPECT_ACTIONS.has(s.action))) {
    errors.push(
      'steps: no expect_* step — a plan without expectations proves nothing; add expect_visible, expect_hidden, expect_text or expect_url for the new behaviour',
    );
  }
  if (errors.length) return { ok: false, errors };
  const parsed = planSchema.safeParse(input);
  if (!parsed.success)
    return { ok: false, errors: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) };
  return { ok: true, plan: parsed.data };
}

function stepErrors(step: unknown, i: number): string[] {
  const where = `step ${i + 1}`;
  if (typeof step !== 'object' || step === null) return [`${where}: must be an object with an "action"`];
  const action = (step as { action?: unknown }).action;
  if (typeof action !== 'string' || !ACTIONS.includes(action)) {
    return [`${where}: action ${JSON.stringify(action)} is unknown; use one of ${ACTIONS.join(', ')}`];
  }
  const label = `${where} (${action})`;
  const out: string[] = [];
  const s = step as Record<string, unknown>;
  if (
    'target' in s ||
    ['click', 'fill', 'select', 'expect_visible', 'expect_hidden', 'expect_text'].includes(action)
  ) {
    if (s.target === undefined && action !== 'press')
      out.push(`${label}, field target: missing; give one of ${TARGET_SHAPES}`);
    else if (s.target !== undefined && !targetSchema.safeParse(s.target).success) {
      const keys =
        typeof s.target === 'object' && s.target ? Object.keys(s.target).join(', ') : typeof s.target;
      out.push(`${label}, field target: must be exactly one of ${TARGET_SHAPES} (got: ${keys || 'empty'})`);
    }
  }
  const parsed = stepSchema.safeParse(step);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path.join('.') || 'step';
      if (field.startsWith('target')) continue; // reported above with the shapes
      out.push(`${label}, field ${field}: ${issueText(issue)}`);
    }
  }
  if (action === 'goto' && typeof s.url === 'string' && !s.url.startsWith('/')) {
    out.push(
      `${label}, field url: use a path starting with / (e.g. "/dashboards/revenue") — the plan runs against the old and the new app on different ports`,
    );
  }
  if (action === 'expect_url' && typeof s.pattern === 'string' && !urlMatcher(s.pattern)) {
    out.push(
      `${label}, field pattern: not a valid /regular expression/; give a plain substring or a valid /regex/`,
    );
  }
  return out;
}

function issueText(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') return `expected ${issue.expected}`;
  if (issue.code === 'too_small') return 'must not be empty';
  return issue.message;
}
