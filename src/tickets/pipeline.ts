/**
 * One ticket, end to end: queued → preparing (sandbox) → coding/verifying/reviewing (the loop) →
 * publishing (guardrails and checks on the candidate tree, then the forge) → done. Every stage is
 * timed and has a timeout; every event lands in the timeline; every write is fenced by the attempt
 * (attempt.ts); whatever throws, the run settles the ticket with an error code (STYLE.md 10), or
 * hands it back for a retry when the failure may pass. What is published is the candidate the
 * publish stages cleared (publish.ts), never the live worktree.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { asCodedError, CodedError, ErrorCode, isCodedError } from '../core/errors.ts';
import type { TicketEvent } from '../core/events.ts';
import type { Logger } from '../core/log.ts';
import { redact } from '../core/redact.ts';
import { addUsage, isTerminal, ticketBranch, type Ticket } from '../core/ticket.ts';
import { evidenceDirFor, sealManifest } from '../evidence/manifest.ts';
import type { LoopOutcome } from '../loop/index.ts';
import type { Sandbox, SandboxProvider } from '../sandbox/types.ts';
import { Attempt, type RunResult } from './attempt.ts';
import { ChecksAhead } from './checks-ahead.ts';
import { clear, publish, type PublishDeps } from './publish.ts';
import type { TicketStore } from './types.ts';

export type { RunResult } from './attempt.ts';

/** What the agents get for one ticket; the runner binds models, the prover and the browser. */
export interface LoopRunInput {
  ticket: Ticket;
  sandbox: Sandbox;
  evidenceDir: string;
  signal: AbortSignal;
  /** All clarifications so far (refreshed while the ticket runs). */
  clarifications: () => string[];
  /** The checks of a tree submitted for proof, started beside the proof; publishing takes them for that tree. */
  checksAhead?: ChecksAhead;
}

/** The agent loop for one ticket: a stream of events ending in an outcome (src/loop runTicketLoop). */
export type LoopRunner = (input: LoopRunInput) => AsyncGenerator<TicketEvent, LoopOutcome>;

export interface PipelineDeps extends PublishDeps {
  store: TicketStore;
  sandboxes: SandboxProvider;
  runLoop: LoopRunner;
  log?: Logger;
  /** How often a running ticket looks for a cancel from another process (default 1 s). */
  pollMs?: number;
}

/**
 * Why a run was stopped from outside without a verdict: its lease went to another worker (leave
 * the ticket alone), or the worker is shutting down (hand the ticket back to the queue).
 */
export class RunInterrupted extends Error {
  readonly kind: 'lease_lost' | 'shutdown';
  constructor(kind: 'lease_lost' | 'shutdown') {
    super(kind === 'lease_lost' ? 'the job lease was lost to another worker' : 'the worker is shutting down');
    this.name = 'RunInterrupted';
    this.kind = kind;
  }
}

/** Failures a later attempt may not repeat: a model 5xx after retries, an app that did not start… */
const RETRYABLE = new Set<string>([
  ErrorCode.ModelError,
  ErrorCode.AppStartFailed,
  ErrorCode.SandboxFailed,
  ErrorCode.PublishFailed,
  ErrorCode.GitHubError,
]);

/**
 * Whether a ticket runs on a scripted model: a ticket that names its own model (an eval trial)
 * runs that one, `replay:<file>` being a scripted one; otherwise the process's model decides.
 */
function scriptedFor(model: string | undefined, processScripted: boolean | undefined): boolean | undefined {
  return model ? model.startsWith('replay:') : processScripted;
}

/** Which worker process runs an attempt (host:pid), for the timeline and for operators. */
export const WORKER_ID = `${os.hostname()}:${process.pid}`;

/** The ticket's evidence directory (src/evidence owns the layout and refuses unsafe ids). */
export const evidenceDirOf = evidenceDirFor;

export async function runTicket(
  deps: PipelineDeps,
  ticketId: string,
  opts: { signal?: AbortSignal } = {},
): Promise<RunResult> {
  const { store } = deps;
  const found = await store.get(ticketId);
  if (!found) throw new CodedError(ErrorCode.NotFound, `no ticket ${ticketId}`);
  if (isTerminal(found.status)) return { ticket: found };
  const scripted = scriptedFor(found.request.model, deps.scripted);
  const started = await store.startAttempt(ticketId, scripted !== undefined ? { scripted } : undefined);
  // Cancelled or settled between the claim and now: nothing to run.
  if (!started) return { ticket: (await store.get(ticketId)) ?? found };

  const controller = new AbortController();
  const abort = (reason: unknown) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  const onOuterAbort = () => abort(opts.signal?.reason ?? new RunInterrupted('shutdown'));
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (opts.signal?.aborted) onOuterAbort();
  const attempt = new Attempt({
    store,
    ticket: started,
    config: deps.config,
    onTimeout: abort,
    log: deps.log,
  });
  const run: TicketRun = {
    deps,
    attempt,
    signal: controller.signal,
    clarifications: started.request.clarifications ?? [],
  };
  const poll = pollCancel(run, abort);
  try {
    return await runAttempt(run);
  } catch (caught) {
    return await settleFailure(run, controller.signal.aborted ? controller.signal.reason : caught);
  } finally {
    clearInterval(poll);
    attempt.clock.close();
    opts.signal?.removeEventListener('abort', onOuterAbort);
    await release(run);
  }
}

/** One attempt's shared state, passed to the small steps below. */
interface TicketRun {
  deps: PipelineDeps;
  attempt: Attempt;
  signal: AbortSignal;
  clarifications: string[];
  sandbox?: Sandbox;
  checksAhead?: ChecksAhead;
}

/** A cancel may come from another process: notice it by polling the ticket. */
function pollCancel(run: TicketRun, abort: (reason: unknown) => void): NodeJS.Timeout {
  const poll = setInterval(() => {
    run.deps.store
      .get(run.attempt.id)
      .then((t) => {
        if (!t) return;
        run.clarifications = t.request.clarifications ?? [];
        if (t.status === 'cancelled')
          abort(new CodedError(ErrorCode.Cancelled, t.error?.message ?? 'cancelled'));
        else if (t.run !== undefined && t.run !== run.attempt.run) abort(new RunInterrupted('lease_lost'));
      })
      .catch(() => {});
  }, run.deps.pollMs ?? 1000);
  poll.unref();
  return poll;
}

async function runAttempt(run: TicketRun): Promise<RunResult> {
  const { deps, attempt, signal } = run;
  await attempt.append({ type: 'status', status: 'running' });
  const worker = `attempt ${attempt.number} of ${deps.config.maxAttempts} on ${WORKER_ID}`;
  await attempt.append({ type: 'log', level: 'info', text: worker });
  if (attempt.ticket.published) return await adopt(run);

  await attempt.enter('preparing');
  const { branch, continueBranch } = await branchFor(deps.store, attempt.ticket);
  if (attempt.number > 1) await deps.sandboxes.sweep().catch(() => undefined);
  const sandbox = await deps.sandboxes.acquire({ ticketId: attempt.id, branch, continueBranch, signal });
  run.sandbox = sandbox;
  await attempt.update({ baseCommit: sandbox.baseCommit });
  // Checks run early, beside the proof, only count for the tree that is published. With `proofTests`
  // that is the tree with the test added, whose checks start beside the test's own run: checks of
  // the proven tree would be a second full run (typecheck, unit tests) that is thrown away whenever
  // the test is added, on the same cores the proof needs.
  if (!sandbox.settings.proofTests)
    run.checksAhead = new ChecksAhead(sandbox, { timeoutMs: deps.config.budgets.toolTimeoutMs });
  if (!sandbox.isolated)
    await attempt.append({ type: 'log', level: 'warn', text: 'this ticket runs without sandbox isolation' });
  signal.throwIfAborted();

  await attempt.enter('coding');
  const outcome = await driveLoop(run, sandbox);
  signal.throwIfAborted();
  if (outcome.status === 'failed') {
    throw new CodedError(
      outcome.error?.code ?? ErrorCode.Internal,
      outcome.error?.message ?? 'the agent loop failed',
    );
  }
  if (outcome.status === 'rejected' && !outcome.draft) {
    return await attempt.settle('rejected', {
      code: outcome.error?.code ?? ErrorCode.ReviewRejected,
      message: outcome.error?.message ?? 'rejected',
    });
  }
  await attempt.enter('publishing');
  const { clearance, notes } = await clear(deps, sandbox, outcome, attempt, signal, run.checksAhead);
  if (!clearance.ok) {
    return await attempt.settle('rejected', {
      code: ErrorCode.GuardrailRejected,
      message: `not published: ${clearance.reason}`,
    });
  }
  signal.throwIfAborted();
  const evidenceDir = evidenceDirOf(deps.config.home, attempt.id);
  const pushed = await publish(deps, {
    sandbox,
    outcome,
    cleared: clearance.publishable,
    attempt,
    branch,
    evidenceDir,
    notes,
  });
  await recordPublish(run, pushed, clearance.publishable.candidate.tree);
  if (clearance.publishable.draft) {
    return await attempt.settle('rejected', {
      code: outcome.error?.code ?? ErrorCode.ReviewRejected,
      message: `${outcome.error?.message ?? 'not approved'}; opened as a draft PR for a person to decide`,
    });
  }
  attempt.clock.enter('done');
  return await attempt.settle('pr_opened');
}

/** Runs the agent loop, forwarding its events to the timeline and its usage to the ticket. */
async function driveLoop(run: TicketRun, sandbox: Sandbox): Promise<LoopOutcome> {
  const { deps, attempt, signal } = run;
  const evidenceDir = evidenceDirOf(deps.config.home, attempt.id);
  // This attempt's reviewers start over: an earlier attempt's verdicts were about another change.
  if (attempt.ticket.reviews) await attempt.update({ reviews: undefined });
  const loop = deps.runLoop({
    ticket: attempt.ticket,
    sandbox,
    evidenceDir,
    signal,
    clarifications: () => run.clarifications,
    checksAhead: run.checksAhead,
  });
  let sawUsage = false;
  for (;;) {
    const next = await loop.next();
    if (next.done) {
      const outcome = next.value;
      if (!sawUsage) {
        attempt.usage = addUsage(attempt.usage, outcome.usage);
        attempt.modelMs += outcome.modelMs;
      }
      await attempt.update({ usage: attempt.usage, ...outcomeFields(outcome) });
      return outcome;
    }
    await forward(run, next.value, () => (sawUsage = true));
  }
}

async function forward(run: TicketRun, event: TicketEvent, onUsage: () => void): Promise<void> {
  const { attempt } = run;
  if (event.type === 'stage') {
    if (event.stage !== attempt.clock.stage) await attempt.enter(event.stage);
    return;
  }
  await attempt.append(event);
  if (event.type === 'reviewer_verdict') {
    // Each verdict lands on the ticket as it comes, so the page and the thread show it live.
    const { type: _type, at: _at, ...entry } = event;
    await attempt.update({ reviews: [...(attempt.ticket.reviews ?? []), entry] });
    return;
  }
  if (event.type !== 'usage') return;
  onUsage();
  attempt.usage = addUsage(attempt.usage, event.usage);
  attempt.modelMs += event.modelMs;
  await attempt.update({ usage: attempt.usage, timings: attempt.timings() });
}

function outcomeFields(outcome: LoopOutcome): Partial<Ticket> {
  return {
    ...(outcome.title ? { result: { title: outcome.title, summary: outcome.summary ?? '' } } : {}),
    ...(outcome.proof?.evidence ? { evidence: outcome.proof.evidence } : {}),
    ...(outcome.review
      ? { review: { verdict: outcome.review.verdict, comments: outcome.review.comments } }
      : {}),
    ...(outcome.reviews ? { reviews: outcome.reviews } : {}),
  };
}

/** The push happened: remember it (fenced), so a retry adopts this PR instead of redoing it. */
async function recordPublish(
  run: TicketRun,
  pushed: { commit: string; url: string; number: number; branch: string; draft: boolean },
  tree: string,
): Promise<void> {
  const { attempt, deps } = run;
  const pr = { url: pushed.url, number: pushed.number, branch: pushed.branch, draft: pushed.draft };
  attempt.ticket = await deps.store.recordPublished(
    attempt.id,
    { commit: pushed.commit, tree, branch: pushed.branch, pr },
    { run: attempt.run },
  );
}

/** An earlier attempt already published: settle with its PR instead of running the model again. */
async function adopt(run: TicketRun): Promise<RunResult> {
  const { attempt, deps } = run;
  const published = attempt.ticket.published!;
  const pr = attempt.ticket.pr ?? (await deps.forge.findPullRequest(published.branch));
  await attempt.append({
    type: 'log',
    level: 'info',
    text: `attempt ${published.run} already published ${published.commit.slice(0, 12)}; adopting it`,
  });
  if (pr && !attempt.ticket.pr) await attempt.update({ pr });
  if (pr?.draft)
    return await attempt.settle('rejected', {
      code: ErrorCode.ReviewRejected,
      message: 'opened as a draft PR for a person to decide',
    });
  attempt.clock.enter('done');
  return await attempt.settle('pr_opened');
}

/** Settles (or hands back, or lets go of) the ticket after whatever ended the attempt. */
async function settleFailure(run: TicketRun, reason: unknown): Promise<RunResult> {
  const { attempt, deps } = run;
  const current = async () => (await deps.store.get(attempt.id)) ?? attempt.ticket;
  // Another attempt owns the ticket now, or it was cancelled: its writes are not ours to make.
  if (isCodedError(reason, ErrorCode.StaleAttempt)) return { ticket: await current(), abandoned: true };
  if (reason instanceof RunInterrupted && reason.kind === 'lease_lost') {
    const now = await current();
    if (now.status !== 'cancelled' || now.attempts !== attempt.number)
      return { ticket: now, abandoned: true };
    return { ticket: now };
  }
  try {
    if (reason instanceof RunInterrupted) {
      return await attempt.handBack(new CodedError(ErrorCode.Internal, reason.message, { retryable: true }));
    }
    const error = asCodedError(reason);
    if (error.code === ErrorCode.Cancelled) {
      await attempt.append({ type: 'finished', status: 'cancelled' });
      return { ticket: await current() };
    }
    if (error.code === ErrorCode.GuardrailRejected || error.code === ErrorCode.ReviewRejected) {
      return await attempt.settle('rejected', { code: error.code, message: redact(error.describe()) });
    }
    if ((error.retryable || RETRYABLE.has(error.code)) && attempt.number < deps.config.maxAttempts) {
      return await attempt.handBack(error);
    }
    return await attempt.settle('failed', { code: error.code, message: redact(error.describe()) });
  } catch (fenced) {
    // The settle itself was refused: a cancel won the race, or a later attempt owns the ticket.
    if (isCodedError(fenced, ErrorCode.StaleAttempt)) return { ticket: await current(), abandoned: true };
    if (isCodedError(fenced, ErrorCode.Cancelled)) return { ticket: await current() };
    throw fenced;
  }
}

/** Seals the evidence as it stays on disk, then tears the sandbox down (kept only when the ticket ended badly). */
async function release(run: TicketRun): Promise<void> {
  const evidenceDir = evidenceDirOf(run.deps.config.home, run.attempt.id);
  try {
    if (existsSync(path.join(evidenceDir, 'manifest.json'))) sealManifest(evidenceDir, run.attempt.id);
  } catch (error) {
    run.deps.log?.warn({ err: error, ticketId: run.attempt.id }, 'sealing the evidence manifest failed');
  }
  run.checksAhead?.close();
  if (!run.sandbox) return;
  // A retried attempt needs the branch free, and a kept worktree would still hold it checked out.
  const status = run.attempt.ticket.status;
  const keep = status === 'failed' || status === 'rejected';
  await run.sandbox
    .teardown({ keep })
    .catch((error: unknown) =>
      run.deps.log?.warn({ err: error, ticketId: run.attempt.id }, 'sandbox teardown failed'),
    );
}

/**
 * A ticket's branch. A follow-up (a Slack thread reply or a PR comment after the PR opened)
 * continues the earlier ticket's branch, so publishing updates the same pull request.
 */
async function branchFor(
  store: TicketStore,
  ticket: Ticket,
): Promise<{ branch: string; continueBranch: boolean }> {
  const originalId = ticket.request.followUpOf;
  const original = originalId ? await store.get(originalId) : undefined;
  if (original) {
    return {
      branch: original.pr?.branch ?? ticketBranch(original.id, original.request.text),
      continueBranch: true,
    };
  }
  return { branch: ticketBranch(ticket.id, ticket.request.text), continueBranch: false };
}
