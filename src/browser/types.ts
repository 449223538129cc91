/** Results of running a verification plan, and of the proof protocol (DESIGN.md §4). */
import type { ProofOutcomeKind } from '../core/events.ts';
import type { EvidenceRef, RunVerdict } from '../core/ticket.ts';
import type { VerificationPlan } from './plan.ts';

export interface StepResult {
  index: number;
  action: string;
  status: 'passed' | 'failed' | 'skipped';
  durationMs: number;
  /** Why it failed, in words the model can act on. */
  error?: string;
  /** Screenshot taken after the step (or at the failure). */
  screenshot?: string;
  /** Why it failed, as data (the proof protocol branches on it, never on `error` text). */
  failure?: StepFailureKind;
  /** The plan's caption, for `screenshot` steps. */
  caption?: string;
  /** The screenshot stayed a single colour after settling: flagged, never shown as evidence. */
  blank?: true;
  /** The page had not settled within the bound when the screenshot was taken, and why. */
  unsettled?: string;
  /** When the screenshot was taken, in ms from the start of the run's page (and its video). */
  shotAtMs?: number;
}

/**
 * not_found: no element matched · ambiguous: several matched · not_actionable: hidden, disabled or
 * covered · expectation: an expect_* step did not hold · http_status: a goto answered >= 400 ·
 * unreachable: the app did not answer (a broken environment, not a verdict) · error: anything else.
 */
export type StepFailureKind =
  'not_found' | 'ambiguous' | 'not_actionable' | 'expectation' | 'http_status' | 'unreachable' | 'error';

export interface PlanRun {
  label: string; // 'base' | 'head-1' | 'head-2'
  appUrl: string;
  verdict: RunVerdict;
  steps: StepResult[];
  durationMs: number;
  video?: string;
  trace?: string;
}

export interface ProofResult {
  outcome: ProofOutcomeKind;
  /** Structured feedback for the coder: "passes on the old code, so it proves nothing", … */
  feedback: string;
  plan: VerificationPlan;
  runs: PlanRun[];
  evidence?: EvidenceRef;
  /** The equivalent @playwright/test source, so a human can rerun the proof. */
  playwrightTest: string;
}
