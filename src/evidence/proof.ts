/**
 * The proof protocol (DESIGN.md §4): the plan must fail on the old app (base) and pass twice in a
 * row on the new app (head). Runs: base (video, step screenshots) beside head-1 (video, trace) →
 * head-2 (fresh context, no pacing: a second, faster timing that shakes out races); the verdict is
 * read as if they ran in that order (proof-runs.ts).
 *
 * What counts as "fails on base": any step failing, not only an expect_* step. The plan is required
 * to hold at least one expectation, and it passes completely on head twice; when base breaks
 * earlier — the button the change adds is not there, or a goto to the route the change adds
 * answers 404 — the old code cannot do what the plan checks, which is exactly the difference to
 * prove. (A goto to a missing route is a failure only if the server says so with a status >= 400;
 * a single-page app that answers 200 for every path fails later, at the expectations.) What does
 * NOT count: the base app not answering at all, or a goto timing out — that is a broken
 * environment, and `prove` throws a retryable error instead of declaring a proof.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { toPlaywrightTest } from '../browser/codegen.ts';
import type { VerificationPlan } from '../browser/plan.ts';
import type { PlanRun, ProofResult, StepResult } from '../browser/types.ts';
import { validatePlan } from '../browser/validate.ts';
import { redact } from '../core/redact.ts';
import type { EvidenceRef } from '../core/ticket.ts';
import type { BrowserLauncher } from '../sandbox/types.ts';
import { finalizeManifest, writeManifest, type EvidenceManifest } from './manifest.ts';
import { makeGif, previewStart } from './media.ts';
import { failedStep, runProofRuns, type ProofRuns } from './proof-runs.ts';
import { screenshotRoutes, type RouteShot } from './routes.ts';
import { registerEnvSecrets } from './secrets.ts';

export interface ProveInput {
  /** The plan as the agent gave it; validated here. */
  plan: unknown;
  ticketId: string;
  /** `$LOOPWRIGHT_HOME/evidence/<ticket id>/` */
  evidenceDir: string;
  /** Chromium for the base runs (inside the base app's room). */
  launcher?: BrowserLauncher;
  /** Chromium for the head runs (inside the head app's room); default `launcher`. */
  headLauncher?: BrowserLauncher;
  /** The trees the two apps run (recorded in the manifest). */
  trees?: { base: string; head: string };
  /** The old app (base commit). */
  baseUrl: string;
  /** The new app (the change). */
  headUrl: string;
  /** Pages worth a before/after screenshot (`.loopwright.yml` `routes`). */
  routes?: string[];
  signal?: AbortSignal;
  /** Per-step timeout of actions and expectations (default 5 s). */
  stepTimeoutMs?: number;
  /** Pause between steps of recorded runs so the video can be followed (default 400 ms). */
  stepDelayMs?: number;
  allowHosts?: string[];
  /** Bound of the page-settle wait before screenshots (`.loopwright.yml` `settleMs`). */
  settleMs?: number;
  /** Make the GIF preview (default true). */
  gif?: boolean;
  /**
   * Writes the before-screenshots of the routes into the given directory (a warm base app's cached
   * ones); default: screenshots of `baseUrl` taken now.
   */
  before?: (outDir: string) => Promise<RouteShot[]>;
}

/** Files of this module in the evidence dir; a new attempt replaces them, others' files stay. */
const OWN = [
  'steps',
  'before',
  'after',
  'base.webm',
  'head.webm',
  'head.gif',
  'poster.png',
  'trace.zip',
  'proof.spec.ts',
];

const NOTES = [
  'Text artifacts (manifest, test, transcript, diff, trace) are redacted. Screenshots and videos cannot be: the sandbox keeps secrets out of the app in the first place.',
];

export async function prove(input: ProveInput): Promise<ProofResult> {
  const checked = validatePlan(input.plan);
  if (!checked.ok) {
    return {
      outcome: 'invalid_plan',
      feedback: `The verification plan is invalid; fix these and submit it again:\n${checked.errors.map((e) => `- ${e}`).join('\n')}`,
      plan: input.plan as VerificationPlan,
      runs: [],
      playwrightTest: '',
    };
  }
  const plan = checked.plan;
  registerEnvSecrets();
  const dir = path.resolve(input.evidenceDir);
  mkdirSync(dir, { recursive: true });
  for (const name of OWN) rmSync(path.join(dir, name), { recursive: true, force: true });
  const stepsDir = path.join(dir, 'steps');
  const headLauncher = input.headLauncher ?? input.launcher;
  const shotOpts = { launcher: input.launcher, allowHosts: input.allowHosts, settleMs: input.settleMs };
  const takeBefore = (out: string) =>
    input.before ? input.before(out) : screenshotRoutes(input.baseUrl, input.routes ?? [], out, shotOpts);
  const notes = [...NOTES];
  const sideStages: Record<string, number> = {};
  let beforeShots: Promise<RouteShot[]> | undefined;
  let gif: Promise<string | undefined> | undefined;
  let afterShots: Promise<RouteShot[]> | undefined;
  const takeAfter = () =>
    screenshotRoutes(input.headUrl, input.routes ?? [], path.join(dir, 'after'), {
      ...shotOpts,
      launcher: headLauncher,
    });
  const proof = await runProofRuns({
    plan,
    dir,
    common: {
      stepsDir,
      stepTimeoutMs: input.stepTimeoutMs,
      allowHosts: input.allowHosts,
      settleMs: input.settleMs,
    },
    baseUrl: input.baseUrl,
    headUrl: input.headUrl,
    launcher: input.launcher,
    headLauncher,
    stepDelayMs: input.stepDelayMs ?? 400,
    signal: input.signal,
    // The base app is idle once its run ended: its before-screenshots go beside the head runs.
    afterBase: () => (beforeShots = timed(sideStages, 'before', takeBefore(path.join(dir, 'before')))),
    // head-1 passed: its video and the head app's routes do not wait for head-2.
    afterHead1: (head1) => {
      gif =
        input.gif === false
          ? Promise.resolve(undefined)
          : timed(sideStages, 'gif', preview(head1, dir, notes));
      afterShots = timed(sideStages, 'after', takeAfter());
      return Promise.all([gif, afterShots]);
    },
  });
  const proofStages = { ...proof.stages, ...sideStages };
  const { outcome, runs } = proof;
  const feedback = feedbackFor(proof);
  const playwrightTest = redact(toPlaywrightTest(plan, input.headUrl, input.stepTimeoutMs ?? 5_000));
  writeFileSync(path.join(dir, 'proof.spec.ts'), playwrightTest);
  const manifest: EvidenceManifest = {
    version: 1,
    ticketId: input.ticketId,
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    plan,
    ...(input.trees ? { trees: input.trees } : {}),
    outcome,
    feedback,
    runs,
    artifacts: [],
    notes,
    stages: proofStages,
  };

  const result: ProofResult = { outcome, feedback, plan, runs, playwrightTest };
  if (outcome !== 'proven') {
    for (const name of ['before', 'after']) rmSync(path.join(dir, name), { recursive: true, force: true });
    writeManifest(dir, manifest);
    finalizeManifest(dir, input.ticketId);
    return result;
  }
  const t = Date.now();
  const [before, after, gifPath] = await Promise.all([
    beforeShots ?? takeBefore(path.join(dir, 'before')),
    afterShots ?? takeAfter(),
    gif,
  ]);
  proofStages.shots = Date.now() - t;
  for (const s of [...before, ...after]) if (s.error) manifest.notes.push(`route ${s.route}: ${s.error}`);
  const blank = blankShots(dir, runs, [...before, ...after]);
  for (const rel of blank)
    manifest.notes.push(`${rel} stayed blank (a single colour) after settling: not shown as evidence`);
  const f = Date.now();
  writeManifest(dir, manifest);
  const final = finalizeManifest(dir, input.ticketId);
  addCaptions(final, runs, dir);
  for (const a of final.artifacts) if (blank.has(a.path)) a.blank = true;
  final.stages = { ...proofStages, finalize: Date.now() - f };
  writeManifest(dir, final);
  result.evidence = evidenceRef(dir, runs, final, gifPath);
  return result;
}

/** Relative paths of the screenshots that stayed a single colour after settling. */
function blankShots(dir: string, runs: PlanRun[], routes: RouteShot[]): Set<string> {
  const abs = [
    ...runs.flatMap((r) => r.steps.filter((s) => s.blank && s.screenshot).map((s) => s.screenshot as string)),
    ...routes.filter((s) => s.blank).map((s) => s.path),
  ];
  return new Set(abs.map((p) => path.relative(dir, p).split(path.sep).join('/')));
}

/**
 * The GIF preview of head-1's video, from the first settled, non-blank frame on (the first step
 * screenshot that showed something was taken on a settled page), with that frame as its poster
 * (`poster.png`). A failure is a note, not a failed proof.
 */
async function preview(head1: PlanRun, dir: string, notes: string[]): Promise<string | undefined> {
  if (!head1.video) return undefined;
  try {
    const settled = head1.steps.find((s) => s.status === 'passed' && !s.blank && s.shotAtMs !== undefined);
    const start = await previewStart(head1.video, path.join(dir, 'poster.png'), {
      fromSec: (settled?.shotAtMs ?? 0) / 1000,
    });
    return (await makeGif(head1.video, path.join(dir, 'head.gif'), { startSec: start.sec })).path;
  } catch (error) {
    notes.push(`no GIF preview: ${(error as Error).message}`);
    return undefined;
  }
}

/** Records how long `work` took under `name` once it settles. */
function timed<T>(stages: Record<string, number>, name: string, work: Promise<T>): Promise<T> {
  const t = Date.now();
  return work.finally(() => (stages[name] = Date.now() - t));
}

/** What the coder is told about the proof's outcome. */
function feedbackFor(proof: ProofRuns): string {
  const [, head1, head2] = proof.runs;
  switch (proof.outcome) {
    case 'passes_on_base':
      return (
        'The plan passes on the old code, so it proves nothing. Add expect_* steps that only the new behaviour satisfies ' +
        '(e.g. the element or text your change adds, or the state after the interaction you changed), then submit it again.'
      );
    case 'fails_on_head': {
      const f1 = head1 && failedStep(head1);
      return (
        `The plan fails on the new code: ${f1 ? failureText(f1) : 'it did not run'}. ${f1 ? hintFor(f1) : ''} ` +
        'The new code runs from a clean checkout of your change: only what a commit holds, so files that .gitignore excludes are not there.'
      );
    }
    case 'flaky': {
      const f2 = head2 && failedStep(head2);
      return (
        `flaky: passed then failed at step ${f2?.index ?? '?'} (${f2?.action ?? '?'}): ${f2?.error ?? 'failed'}. ` +
        'Make the app deterministic (no timers or random data deciding what is shown) or wait in the plan for the state it checks; expect_* steps already poll up to 5 s.'
      );
    }
    default:
      return `Proven: the plan fails on the old code (${proof.baseFailure ? failureText(proof.baseFailure) : 'failed'}) and passes twice on the new code.`;
  }
}

function failureText(step: StepResult): string {
  return `fails at step ${step.index} (${step.action}): ${step.error ?? 'failed'}`;
}

/** What the coder can do about a failure on head, by its kind. */
function hintFor(step: StepResult): string {
  switch (step.failure) {
    case 'not_found':
      return 'Check the role and name with browser_snapshot on the new app; names match as substrings unless exact: true.';
    case 'ambiguous':
      return 'Narrow the target: exact: true, a longer name, or a testId.';
    case 'not_actionable':
      return 'The element exists but is hidden, disabled or covered; check the page with browser_snapshot.';
    case 'expectation':
      return 'Either the change does not do this yet, or the expectation is wrong; check the page with browser_snapshot.';
    case 'http_status':
      return 'The route does not exist or errors on the new app; check the path and the app log.';
    case 'unreachable':
      return 'The new app did not answer; check that it starts (app log) and restart it.';
    default:
      return 'Check the page with browser_snapshot and the app log.';
  }
}

/** Captions for step screenshots (the plan's) and videos, kept by later rescans. */
function addCaptions(manifest: EvidenceManifest, runs: PlanRun[], dir: string): void {
  const captions = new Map<string, { caption: string; run: string }>();
  for (const run of runs) {
    for (const s of run.steps) {
      if (!s.screenshot) continue;
      const rel = path.relative(dir, s.screenshot).split(path.sep).join('/');
      const caption =
        s.caption ??
        (s.status === 'failed'
          ? `${run.label}: failed at step ${s.index} (${s.action})`
          : `${run.label}: after step ${s.index} (${s.action})`);
      captions.set(rel, { caption, run: run.label });
    }
  }
  captions.set('base.webm', { caption: 'The plan on the old code (fails)', run: 'base' });
  captions.set('head.webm', { caption: 'The plan on the new code (passes)', run: 'head-1' });
  captions.set('head.gif', { caption: 'Preview of the passing run', run: 'head-1' });
  captions.set('trace.zip', {
    caption: 'Playwright trace of the passing run (npx playwright show-trace)',
    run: 'head-1',
  });
  captions.set('proof.spec.ts', {
    caption: 'The plan as a Playwright test (BASE_URL=… npx playwright test)',
    run: '',
  });
  for (const a of manifest.artifacts) {
    const c = captions.get(a.path);
    if (a.kind === 'before') a.caption = `Before: ${a.path.slice('before/'.length)}`;
    else if (a.kind === 'after') a.caption = `After: ${a.path.slice('after/'.length)}`;
    if (c) {
      a.caption = c.caption;
      if (c.run) a.run = c.run;
    }
  }
}

function evidenceRef(dir: string, runs: PlanRun[], manifest: EvidenceManifest, gif?: string): EvidenceRef {
  const abs = (rel: string) => path.join(dir, rel);
  const has = (rel: string) => manifest.artifacts.some((a) => a.path === rel);
  const captioned =
    runs[1]?.steps
      .filter((s) => s.action === 'screenshot' && s.screenshot)
      .map((s) => s.screenshot as string) ?? [];
  const lastHead = runs[1]?.steps.at(-1)?.screenshot;
  const baseFail = runs[0]?.steps.find((s) => s.status === 'failed')?.screenshot;
  const blank = manifest.artifacts.filter((a) => a.blank).map((a) => abs(a.path));
  const routes = manifest.artifacts.filter((a) => a.kind === 'after' && !a.blank).map((a) => abs(a.path));
  const screenshots = [
    ...new Set([...captioned, ...(lastHead ? [lastHead] : []), ...(baseFail ? [baseFail] : []), ...routes]),
  ];
  return {
    dir,
    manifest: abs('manifest.json'),
    ...(has('head.webm') ? { video: abs('head.webm') } : {}),
    ...(gif && has('head.gif') ? { gif: abs('head.gif') } : {}),
    screenshots: screenshots.filter(
      (s) => has(path.relative(dir, s).split(path.sep).join('/')) && !blank.includes(s),
    ),
    ...(blank.length ? { blank } : {}),
    proof: { base: runs[0]?.verdict ?? 'failed', head: runs.slice(1).map((r) => r.verdict) },
  };
}
