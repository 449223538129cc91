/**
 * The stages after the agents: the pipeline, not the loop, decides what is publishable. Each stage
 * takes the candidate and returns it with one more result attached:
 *
 *   test    — with `proofTests`, the tree plus the proof as a Playwright test, when it passes there
 *             (proof-test.ts);
 *   guard   — the guardrails again, on the diff recomputed from the trusted git dir;
 *   check   — `checks` on a fresh clean checkout of the tree, after every agent process stopped;
 *   clear   — `publishable()`: proven, guarded, checked and approved, or the reason it is not;
 *   publish — a commit of exactly that tree, pushed and opened as a PR.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.ts';
import { attach, publishable, type Candidate, type Clearance, type Publishable } from '../core/candidate.ts';
import { redact } from '../core/redact.ts';
import { sealManifest } from '../evidence/manifest.ts';
import { standing } from '../core/reviews.ts';
import { buildPrBody, diffStat } from '../forge/body.ts';
import type { Forge, PublishResult } from '../forge/types.ts';
import type { LoopOutcome } from '../loop/index.ts';
import { checkDiff, describeFindings } from '../loop/policy/index.ts';
import { diffTrees } from '../sandbox/tree.ts';
import type { Sandbox } from '../sandbox/types.ts';
import type { Attempt } from './attempt.ts';
import { addProofTest } from './proof-test.ts';
import { ChecksAhead, runChecks } from './checks-ahead.ts';

/** What the publish stages need of the pipeline's dependencies. */
export interface PublishDeps {
  config: Config;
  forge: Forge;
  /** URL of an evidence file in the PR body. */
  evidenceUrl: (ticketId: string, rel: string) => string;
  ticketUrl?: (ticketId: string) => string;
  /** The model is the scripted replay: the PR says so. */
  scripted?: boolean;
}

/** The guardrails on the tree's diff as the trusted git dir computes it (not as the loop reported it). */
export async function guard(sandbox: Sandbox, c: Candidate, attempt: Attempt): Promise<Candidate> {
  const diff = await diffTrees(sandbox.gitDir, sandbox.baseCommit, c.tree);
  const report = checkDiff(diff, sandbox.settings, { proofTest: c.proofTest?.path });
  const empty = diff.trim() === '';
  const findings = [...describeFindings(report.findings), ...(empty ? ['the change is empty'] : [])];
  const ok = report.ok && !empty;
  await attempt.append({ type: 'guardrail', ok, findings });
  return attach({ ...c, diff }, 'guardrails', { ok, findings });
}

/**
 * `.loopwright.yml` `checks` on a fresh clean checkout of the tree, in a room of its own. The run
 * started beside the proof on this very tree is taken when it finished (checks-ahead.ts); else the
 * checks run now, after the agent's app and every process it left are stopped. The first failing
 * check ends the stage.
 */
export async function check(
  sandbox: Sandbox,
  c: Candidate,
  opts: { signal: AbortSignal; timeoutMs: number; attempt: Attempt; ahead?: ChecksAhead },
): Promise<Candidate> {
  await sandbox.stopAgent();
  const run =
    (await opts.ahead?.resultFor(c.tree)) ??
    (await runChecks(sandbox, c.tree, { signal: opts.signal, timeoutMs: opts.timeoutMs }));
  for (const line of run.lines) await opts.attempt.append({ type: 'log', ...line });
  return attach(c, 'checks', { ok: run.results.every((r) => r.ok), results: run.results });
}

/**
 * Whether the loop's candidate may be published: the proof test added (when configured), guard,
 * check, then `publishable`. `notes` are for the PR body. Checks run early count only for the very
 * tree cleared: `ahead`'s for the proven tree, and for the tree with the proof test added, the
 * run started beside that test.
 */
export async function clear(
  deps: PublishDeps,
  sandbox: Sandbox,
  outcome: LoopOutcome,
  attempt: Attempt,
  signal: AbortSignal,
  ahead?: ChecksAhead,
): Promise<{ candidate?: Candidate; clearance: Clearance; notes?: string[] }> {
  if (!outcome.candidate) {
    return {
      clearance: {
        ok: false,
        reason: outcome.error?.message ?? 'the agent finished without a proven change',
      },
    };
  }
  const timeoutMs = deps.config.budgets.toolTimeoutMs;
  // The tree with the proof test gets its checks beside the test's own run (both in clean rooms);
  // the proven tree's checks, started beside the proof, stay for when the test is not added.
  const withTest = new ChecksAhead(sandbox, { timeoutMs });
  try {
    const tested = await addProofTest(sandbox, outcome.candidate, outcome.proof?.plan, {
      signal,
      timeoutMs,
      attempt,
      chromiumPath: deps.config.chromiumPath,
      onTree: (tree) => withTest.start(tree),
    });
    const early = tested.candidate.proofTest ? withTest : ahead;
    let c = await guard(sandbox, tested.candidate, attempt);
    if (c.guardrails?.ok) c = await check(sandbox, c, { signal, timeoutMs, attempt, ahead: early });
    const clearance = publishable(c, { allowDraft: outcome.draft === true });
    return { candidate: c, clearance, notes: tested.note ? [tested.note] : [] };
  } finally {
    withTest.close();
  }
}

/** Evidence sealed and published, then one commit of exactly the cleared tree, pushed, as a PR. */
export async function publish(
  deps: PublishDeps,
  input: {
    sandbox: Sandbox;
    outcome: LoopOutcome;
    cleared: Publishable;
    attempt: Attempt;
    branch: string;
    evidenceDir: string;
    /** What the PR body should say beyond the guardrails' findings (the proof test). */
    notes?: string[];
  },
): Promise<PublishResult> {
  const { sandbox, outcome, cleared, attempt, evidenceDir } = input;
  const ticket = attempt.ticket;
  const c = cleared.candidate;
  mkdirSync(evidenceDir, { recursive: true });
  writeFileSync(path.join(evidenceDir, 'diff.patch'), redact(c.diff));
  if (existsSync(path.join(evidenceDir, 'manifest.json'))) sealManifest(evidenceDir, ticket.id);
  // A forge that hosts evidence itself (GitHub) gives each file a URL PR readers can open.
  let evidenceUrl = (rel: string) => deps.evidenceUrl(ticket.id, rel);
  if (deps.forge.publishEvidence && existsSync(evidenceDir)) {
    const urls = await deps.forge.publishEvidence(ticket.id, evidenceDir, listFiles(evidenceDir));
    evidenceUrl =
      deps.forge.evidenceLinker?.(ticket.id, urls) ??
      ((rel) => urls[rel] ?? deps.evidenceUrl(ticket.id, rel));
  }
  const title = outcome.title ?? ticket.request.text.split('\n')[0]!.slice(0, 72);
  const body = buildPrBody({
    ticket,
    title,
    summary: outcome.summary,
    files: diffStat(c.diff),
    proof: outcome.proof,
    checks: c.checks?.results ?? [],
    review: outcome.review,
    reviews: c.review?.reviews ?? outcome.reviews,
    usage: outcome.usage,
    modelMs: outcome.modelMs,
    evidenceUrl,
    ticketUrl: deps.ticketUrl?.(ticket.id),
    scripted: ticket.scripted ?? deps.scripted,
    notes: [...(c.guardrails?.findings ?? []), ...(input.notes ?? [])],
  });
  // Still this attempt's ticket right before the push (the forge refuses a later attempt's branch too).
  await attempt.update({ stage: 'publishing' });
  return deps.forge.publish({
    ticket,
    change: { gitDir: sandbox.gitDir, tree: c.tree, parent: sandbox.startCommit },
    attempt: attempt.run,
    branch: input.branch,
    baseBranch: sandbox.baseBranch,
    title,
    body,
    draft: cleared.draft,
    evidence: outcome.proof?.evidence,
    reviews: c.review?.reviews ? standing(c.review.reviews) : undefined,
    diff: c.diff,
  });
}

/** Paths of the files under `dir`, relative and with forward slashes. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
}
