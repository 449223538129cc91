/**
 * Scoring an eval run. A trial lands in one bucket: `resolved` (a PR whose tree passes the hidden
 * check and the target's checks), `unresolved` (a PR the hidden check fails), `no_pr` (failed or
 * rejected) or `infra_error` (sandbox, app start, model outage after retries: reported, never
 * scored). Per model: pass@1 with a 95% Wilson interval, the unbiased pass@k and pass^k estimators
 * over each task's scored trials, the false-proof count and rate, cost and time per resolved task.
 */
import type { Timings, Usage } from '../core/ticket.ts';

export type Bucket = 'resolved' | 'unresolved' | 'no_pr' | 'infra_error';

/** One line of `trials.jsonl`; the first eight fields are fixed (other tooling reads them). */
export interface TrialRecord {
  task: string;
  model: string;
  trial: number;
  bucket: Bucket;
  /** The agent's own proof passed while the hidden check failed. */
  falseProof: boolean;
  ticketId: string;
  usage: Usage;
  /** The ticket's stage timings plus the harness's own: `hiddenCheckMs`, `roomMs`, `trialMs`. */
  timings: Timings & { hiddenCheckMs?: number; roomMs?: number; appMs?: number; trialMs?: number };
  /** Model turns (one per model response) the ticket took, by agent, over all its attempts. */
  turns?: { coder: number; reviewer: number };
  /** Why a trial made no PR, or what broke (`no_pr`, `infra_error`). */
  error?: { code: string; message: string };
  /** Relative to the run directory: the trial's evidence, trajectory, diff, transcript, media. */
  links?: Record<string, string>;
}

export interface ModelScore {
  trials: number;
  resolved: number;
  unresolved: number;
  noPr: number;
  infraError: number;
  falseProofs: number;
  pass1: number;
  /** The 95% Wilson interval of pass@1. */
  pass1Ci95: [number, number];
  passAtK: number;
  passHatK: number;
  k: number;
  /** False proofs per PR opened (resolved + unresolved). */
  falseProofRate: number;
  meanCostUsdPerResolved?: number;
  meanMsPerResolved?: number;
}

/** The 95% Wilson score interval for `successes` out of `n` (`[0, 1]` when n is 0). */
export function wilson(successes: number, n: number, z = 1.959964): [number, number] {
  if (n === 0) return [0, 1];
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** C(n, k) as a float (small n). */
function choose(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/** Unbiased pass@k from n trials with c passes: the chance that at least one of k drawn passes. */
export function passAtK(n: number, c: number, k: number): number {
  if (n < k || k < 1) return c > 0 ? 1 : 0;
  return 1 - choose(n - c, k) / choose(n, k);
}

/** Unbiased pass^k: the chance that all k drawn trials pass. */
export function passHatK(n: number, c: number, k: number): number {
  if (n < k || k < 1) return n > 0 && c === n ? 1 : 0;
  return choose(c, k) / choose(n, k);
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

/** The score of one model's trials; `k` defaults to the most trials any task had. */
export function scoreModel(trials: TrialRecord[], k?: number): ModelScore {
  const count = (b: Bucket) => trials.filter((t) => t.bucket === b).length;
  const scored = trials.filter((t) => t.bucket !== 'infra_error');
  const resolved = scored.filter((t) => t.bucket === 'resolved');
  const byTask = new Map<string, TrialRecord[]>();
  for (const t of scored) byTask.set(t.task, [...(byTask.get(t.task) ?? []), t]);
  const kk = k ?? Math.max(1, ...[...byTask.values()].map((ts) => ts.length));
  const perTask = [...byTask.values()].map((ts) => ({
    n: ts.length,
    c: ts.filter((t) => t.bucket === 'resolved').length,
  }));
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const prs = count('resolved') + count('unresolved');
  const falseProofs = trials.filter((t) => t.falseProof).length;
  const costs = resolved.flatMap((t) => (t.usage.costUsd === undefined ? [] : [t.usage.costUsd]));
  const times = resolved.flatMap((t) => (t.timings.totalMs === undefined ? [] : [t.timings.totalMs]));
  const [low, high] = wilson(resolved.length, scored.length);
  return {
    trials: trials.length,
    resolved: count('resolved'),
    unresolved: count('unresolved'),
    noPr: count('no_pr'),
    infraError: count('infra_error'),
    falseProofs,
    pass1: round(scored.length ? resolved.length / scored.length : 0),
    pass1Ci95: [round(low), round(high)],
    passAtK: round(mean(perTask.map((p) => passAtK(p.n, p.c, kk)))),
    passHatK: round(mean(perTask.map((p) => passHatK(p.n, p.c, kk)))),
    k: kk,
    falseProofRate: round(prs ? falseProofs / prs : 0),
    ...(costs.length ? { meanCostUsdPerResolved: round(mean(costs)) } : {}),
    ...(times.length ? { meanMsPerResolved: Math.round(mean(times)) } : {}),
  };
}

/** Scores per model, in the order the models first appear. */
export function scoreRun(trials: TrialRecord[], k?: number): Record<string, ModelScore> {
  const models = [...new Set(trials.map((t) => t.model))];
  return Object.fromEntries(
    models.map((m) => [
      m,
      scoreModel(
        trials.filter((t) => t.model === m),
        k,
      ),
    ]),
  );
}

/** Error codes that say the environment broke, not the agent: the trial is not scored. */
const INFRA_CODES = new Set([
  'sandbox_failed',
  'sandbox_unavailable',
  'app_start_failed',
  'model_error',
  'browser_failed',
  'internal',
  'model_not_configured',
]);

export const isInfraCode = (code: string | undefined): boolean => code !== undefined && INFRA_CODES.has(code);
