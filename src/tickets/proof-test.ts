/**
 * The proof kept in the repository (`.loopwright.yml` `proofTests: <dir>`): the PR also adds the
 * verification plan as a Playwright test, `<dir>/<slug>.spec.ts`, so the repository's own CI keeps
 * guarding the behaviour.
 *
 * Publishing, not the agent, adds the file, and it adds it to a new tree: the proven and reviewed
 * tree plus exactly that one file, built in the trusted git dir. Before the new tree may be
 * published, the file (the worker's copy of it) runs with the repository's own @playwright/test
 * against the app of exactly that tree, in a clean room Loopwright opened for it; a test that does not pass there is not
 * added (the PR goes out without it and says why). The new tree then goes through the guardrails
 * and the checks like any other (candidate.ts `withProofTest`), so what is published is still
 * what was proven, checked and reviewed: the browser proof and the review carry over only for the
 * application code, which the new tree holds unchanged, and the one added file carries its own
 * proof, the passing run.
 */
import path from 'node:path';
import { slug, toPlaywrightTest } from '../browser/codegen.ts';
import type { VerificationPlan } from '../browser/plan.ts';
import { withProofTest, type Candidate } from '../core/candidate.ts';
import { redact } from '../core/redact.ts';
import { hasPlaywrightTest, runSpecs, type SpecFile } from '../sandbox/playwright-test.ts';
import { addFileToTree, diffTrees } from '../sandbox/tree.ts';
import type { Sandbox } from '../sandbox/types.ts';
import type { Attempt } from './attempt.ts';

export interface ProofTestOptions {
  signal: AbortSignal;
  /** Bound of the @playwright/test run. */
  timeoutMs: number;
  attempt: Attempt;
  chromiumPath?: string;
  /** Told the new tree before its test runs, so work on that tree (its checks) can start beside. */
  onTree?: (tree: string) => void;
}

/** The candidate (with the test added, or as it was) and what the PR should say about it. */
export interface ProofTestResult {
  candidate: Candidate;
  note?: string;
}

/** Where the plan lands in the repository: `<dir>/<slug of the title>.spec.ts`. */
export function proofTestPath(dir: string, plan: VerificationPlan): string {
  return `${dir}/${slug(plan.title)}.spec.ts`;
}

/** Adds the proof as a test when the target asks for it and the test passes on the new tree. */
export async function addProofTest(
  sandbox: Sandbox,
  c: Candidate,
  plan: VerificationPlan | undefined,
  opts: ProofTestOptions,
): Promise<ProofTestResult> {
  const dir = sandbox.settings.proofTests;
  if (!dir || !plan || c.proof?.tree !== c.tree || c.proof.outcome !== 'proven') return { candidate: c };
  const rel = proofTestPath(dir, plan);
  const content = redact(toPlaywrightTest(plan));
  const tree = await addFileToTree(sandbox.gitDir, c.tree, { path: rel, content }, sandbox.scratchDir);
  opts.onTree?.(tree);
  const run = await runInRoom(sandbox, tree, { name: path.basename(rel), content }, opts);
  await opts.attempt.append({
    type: 'log',
    level: run.ok ? 'info' : 'warn',
    text: run.ok
      ? `proof test ${rel} passed under @playwright/test against the change: added to the PR`
      : `proof test ${rel} not added: ${run.why}`,
  });
  if (!run.ok) return { candidate: c, note: `The proof was not added as \`${rel}\`: ${run.why}` };
  const diff = await diffTrees(sandbox.gitDir, sandbox.baseCommit, tree);
  return {
    candidate: withProofTest(c, { tree, path: rel, diff }),
    note: `The proof is added as \`${rel}\` (@playwright/test); it passed against the change before publishing.`,
  };
}

/**
 * Runs the one spec with the repository's @playwright/test against the room's app. The spec runs
 * from the worker's own copy, not the checkout's: the app is the agent's code and could rewrite
 * the checkout's copy while it runs.
 */
async function runInRoom(
  sandbox: Sandbox,
  tree: string,
  spec: SpecFile,
  opts: ProofTestOptions,
): Promise<{ ok: true } | { ok: false; why: string }> {
  const room = await sandbox.openRoom(tree, 'proof-test');
  try {
    if (!(await hasPlaywrightTest(room, opts.signal))) {
      return {
        ok: false,
        why: 'the repository does not depend on @playwright/test (add it to devDependencies to keep proofs as tests)',
      };
    }
    const app = await room.startApp();
    const r = await runSpecs(room, {
      specs: [spec],
      runner: 'tree',
      baseUrl: app.url,
      timeoutMs: opts.timeoutMs,
      signal: opts.signal,
      chromiumPath: opts.chromiumPath,
      label: 'proof-test',
    });
    if (r.ok) return { ok: true };
    const said = r.timedOut === true || !r.output ? r.tail : testFailure(r.output);
    return { ok: false, why: `it ${r.how} under @playwright/test against the change: ${said}` };
  } finally {
    await room.close().catch(() => undefined);
  }
}

/**
 * What a failed run says, in a sentence: the failing line of the spec and Playwright's error (the
 * line reporter's output otherwise, its tail). The runner let the page settle before every step and
 * @playwright/test does not, which is the usual way the two disagree on a proven plan: say so.
 */
export function testFailure(output: string): string {
  const text = output.replace(/\x1b\[[0-9;]*m/g, '');
  const error = text.match(/^\s*Error: (.+)$/m)?.[1]?.trim();
  const line = text.match(/^\s*> *\d+ \| *(.+)$/m)?.[1]?.trim();
  const detail = [...text.matchAll(/^\s*(Locator|Expected|Received|Error): (.+)$/gm)]
    .slice(1)
    .map((m) => `${m[1]}: ${m[2]!.trim()}`);
  if (!error) return redact(text.trim().slice(-600));
  const at = line ? ` at \`${line}\`` : '';
  const said = `${error}${at}${detail.length ? ` (${detail.join('; ')})` : ''}`;
  // Only a step on the page can have raced it; a broken import or config is just itself.
  const onPage = line !== undefined && /\bpage\b/.test(line);
  return redact(
    onPage
      ? `${said}. Loopwright's runner lets the page settle before each step and @playwright/test does not, ` +
          'so a step that acts before the page is ready passes in one and fails in the other; expecting a ' +
          'sign that the page is ready before acting makes the test hold in both'
      : said,
  );
}
