/**
 * The proof's runs, with what does not depend on each other at the same time. The base run and the
 * head runs use different apps, browsers and files, so the base run goes beside head-1 → head-2
 * (head-2 still starts only after head-1 passed, in a fresh context). The verdict is read exactly
 * as if they had run one after another: the base app not loading throws, a plan passing on base
 * proves nothing (whatever head did; its files are removed), then head-1 must pass, then head-2.
 * Work that only needs a finished run starts as soon as that run ends: the GIF of head-1's video
 * beside head-2, and (through `afterBase`) work on the idle base app beside the head runs.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { settledQuiet } from '../browser/fail-fast.ts';
import { runPlan, type RunOptions } from '../browser/runner.ts';
import type { VerificationPlan } from '../browser/plan.ts';
import type { PlanRun, StepResult } from '../browser/types.ts';
import { CodedError, ErrorCode } from '../core/errors.ts';
import type { ProofOutcomeKind } from '../core/events.ts';

export interface ProofRunsInput {
  plan: VerificationPlan;
  dir: string;
  /** Options every run shares (steps dir, timeouts, hosts). */
  common: Omit<RunOptions, 'appUrl' | 'label' | 'launcher' | 'signal'>;
  baseUrl: string;
  headUrl: string;
  launcher?: RunOptions['launcher'];
  headLauncher?: RunOptions['launcher'];
  stepDelayMs: number;
  signal?: AbortSignal;
  /** Started once head-1's video is saved, beside head-2 (the GIF preview). */
  afterHead1?: (head1: PlanRun) => Promise<unknown>;
  /** Started once the base run ended, beside the head runs (e.g. before-screenshots of the base app). */
  afterBase?: () => Promise<unknown>;
}

export interface ProofRuns {
  outcome: ProofOutcomeKind;
  runs: PlanRun[];
  baseFailure?: StepResult;
  /** Wall time of each part, for the manifest's `stages`. */
  stages: Record<string, number>;
}

/** Files a head run writes, removed when the verdict does not use those runs. */
const HEAD_FILES = ['head.webm', 'trace.zip', 'head.gif', 'poster.png'];

export function failedStep(run: PlanRun): StepResult | undefined {
  return run.steps.find((s) => s.status === 'failed');
}

export async function runProofRuns(input: ProofRunsInput): Promise<ProofRuns> {
  const t0 = Date.now();
  const stages: Record<string, number> = {};
  const heads = new AbortController();
  const stopHeads = () => heads.abort(new CodedError(ErrorCode.Cancelled, 'the base run decided the proof'));
  input.signal?.addEventListener('abort', stopHeads, { once: true });
  const side: Promise<unknown>[] = [];
  const base = runPlan(input.plan, {
    ...input.common,
    launcher: input.launcher,
    signal: input.signal,
    appUrl: input.baseUrl,
    label: 'base',
    videoPath: path.join(input.dir, 'base.webm'),
    stepDelayMs: input.stepDelayMs,
    // The base is expected to lack what the change adds: a target absent from a settled page fails then.
    failFast: { quiet: (page) => settledQuiet(page) },
  }).then((run) => {
    stages.base = Date.now() - t0;
    if (input.afterBase) side.push(input.afterBase());
    return run;
  });
  const headRuns = runHeads(input, heads.signal, stages, side, t0);
  // Neither promise may go unobserved while the other is awaited.
  headRuns.catch(() => undefined);
  try {
    const baseRun = await base;
    const baseFailure = failedStep(baseRun);
    if (!baseFailure || isBrokenBase(baseFailure)) {
      stopHeads();
      await headRuns.catch(() => undefined);
      await Promise.allSettled(side);
      removeHeadFiles(input.dir, input.common.stepsDir);
      if (baseFailure) {
        throw new CodedError(
          ErrorCode.AppStartFailed,
          `the base app did not load: ${baseFailure.error ?? 'unknown'}`,
          {
            hint: 'the old code must be running for the proof; check the base app log',
            retryable: true,
          },
        );
      }
      return { outcome: 'passes_on_base', runs: [baseRun], stages };
    }
    const runs = [baseRun, ...(await headRuns)];
    await Promise.allSettled(side);
    stages.total = Date.now() - t0;
    const [, head1, head2] = runs;
    const outcome: ProofOutcomeKind =
      !head1 || failedStep(head1) ? 'fails_on_head' : !head2 || failedStep(head2) ? 'flaky' : 'proven';
    if (outcome !== 'proven')
      for (const name of ['head.gif', 'poster.png']) rmSync(path.join(input.dir, name), { force: true });
    return { outcome, runs, baseFailure, stages };
  } finally {
    input.signal?.removeEventListener('abort', stopHeads);
  }
}

/** head-1 (video, trace, paced), then — only when it passed — head-2 (fresh context, no pacing). */
async function runHeads(
  input: ProofRunsInput,
  signal: AbortSignal,
  stages: Record<string, number>,
  side: Promise<unknown>[],
  t0: number,
): Promise<PlanRun[]> {
  const common = {
    ...input.common,
    launcher: input.headLauncher ?? input.launcher,
    signal,
    appUrl: input.headUrl,
  };
  const head1 = await runPlan(input.plan, {
    ...common,
    label: 'head-1',
    prefix: 'head',
    videoPath: path.join(input.dir, 'head.webm'),
    tracePath: path.join(input.dir, 'trace.zip'),
    stepDelayMs: input.stepDelayMs,
  });
  stages['head-1'] = Date.now() - t0;
  if (failedStep(head1)) return [head1];
  if (input.afterHead1) side.push(input.afterHead1(head1));
  const head2 = await runPlan(input.plan, { ...common, label: 'head-2', prefix: 'head2' });
  stages['head-2'] = Date.now() - t0;
  return [head1, head2];
}

/** The base app not answering, or a goto erroring, is a broken environment, not a verdict. */
function isBrokenBase(step: StepResult): boolean {
  return step.action === 'goto' && (step.failure === 'unreachable' || step.failure === 'error');
}

function removeHeadFiles(dir: string, stepsDir: string): void {
  for (const name of HEAD_FILES) rmSync(path.join(dir, name), { force: true });
  if (!existsSync(stepsDir)) return;
  for (const name of readdirSync(stepsDir))
    if (name.startsWith('head-') || name.startsWith('head2-'))
      rmSync(path.join(stepsDir, name), { force: true });
}
