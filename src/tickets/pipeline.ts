/**
 * One ticket, end to end: queued → preparing (sandbox) → coding/verifying/reviewing (the loop) →
 * publishing (guardrails and checks again, then the forge) → done. Every stage is timed and has a
 * timeout; every event lands in the timeline; whatever throws, the run settles the ticket with an
 * error code (STYLE.md 10), or hands it back for a retry when the failure may pass.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config/schema.ts';
import { asCodedError, CodedError, ErrorCode } from '../core/errors.ts';
import { stamp, type TicketEvent, type TicketEventInput } from '../core/events.ts';
import type { Logger } from '../core/log.ts';
import { redact } from '../core/redact.ts';
import { addUsage, isTerminal, ticketBranch, type Ticket, type TicketStatus } from '../core/ticket.ts';
import { buildPrBody, diffStat, type CheckResult } from '../forge/body.ts';
import type { Forge } from '../forge/types.ts';
import type { LoopOutcome } from '../loop/index.ts';
import { checkDiff, describeFindings } from '../loop/policy/index.ts';
import type { Sandbox, SandboxProvider } from '../sandbox/types.ts';
import { StageClock } from './stages.ts';
import type { TicketStore } from './types.ts';
import { evidenceDirFor } from '../evidence/manifest.ts';

/** What the agents get for one ticket; the runner binds models, the prover and the browser. */
export interface LoopRunInput {
  ticket: Ticket;
  sandbox: Sandbox;
  evidenceDir: string;
  signal: AbortSignal;
  /** All clarifications so far (refreshed while the ticket runs). */
  clarifications: () => string[];
}

/** The agent loop for one ticket: a stream of events ending in an outcome (src/loop runTicketLoop). */
export type LoopRunner = (input: LoopRunInput) => AsyncGenerator<TicketEvent, LoopOutcome>;

export interface PipelineDeps {
  config: Config;
  store: TicketStore;
  forge: Forge;
  sandboxes: SandboxProvider;
  runLoop: LoopRunner;
  /** URL of an evidence file in the PR body. */
  evidenceUrl: (ticketId: string, rel: string) => string;
  ticketUrl?: (ticketId: string) => string;
  /** The model is the scripted replay: the ticket and the PR say so. */
  scripted?: boolean;
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

export interface RunResult {
  ticket: Ticket;
  /** Set when the job should be failed so the queue retries it (with backoff). */
  retry?: CodedError;
  /** The run let go of the ticket without settling it (another worker holds it now). */
  abandoned?: boolean;
}

/** Failures a later attempt may not repeat: a model 5xx after retries, an app that did not start… */
const RETRYABLE = new Set<string>([
  ErrorCode.ModelError,
  ErrorCode.AppStartFailed,
  ErrorCode.SandboxFailed,
  ErrorCode.PublishFailed,
  ErrorCode.GitHubError,
]);

/** Which worker process runs an attempt (host:pid), for the timeline and for operators. */
export const WORKER_ID = `${os.hostname()}:${process.pid}`;

/** The ticket's evidence directory (src/evidence owns the layout and refuses unsafe ids). */
export const evidenceDirOf = evidenceDirFor;

export async function runTicket(
  deps: PipelineDeps,
  ticketId: string,
  opts: { signal?: AbortSignal } = {},
): Promise<RunResult> {
  const { store, config } = deps;
  const startedAt = performance.now();
  const found = await store.get(ticketId);
  if (!found) throw new CodedError(ErrorCode.NotFound, `no ticket ${ticketId}`);
  if (isTerminal(found.status)) return { ticket: found };
  let ticket: Ticket = found;

  const controller = new AbortController();
  const abort = (reason: unknown) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  const onOuterAbort = () => abort(opts.signal?.reason ?? new RunInterrupted('shutdown'));
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (opts.signal?.aborted) onOuterAbort();
  const signal = controller.signal;

  const attempt = ticket.attempts + 1;
  const clock = new StageClock(config.stageTimeouts, attempt === 1 ? {} : ticket.timings, abort);
  if (attempt === 1) clock.timings.queuedMs = Math.max(0, Date.now() - Date.parse(ticket.createdAt));
  let usage = ticket.usage;
  let modelMs = ticket.timings.modelMs ?? 0;
  let sawUsage = false;
  let clarifications = ticket.request.clarifications ?? [];
  let sandbox: Sandbox | undefined;
  let outcome: LoopOutcome | undefined;
  const evidenceDir = evidenceDirOf(config.home, ticket.id);
  const { branch, continueBranch } = await branchFor(store, ticket);

  const append = (event: TicketEvent | TicketEventInput) =>
    store.append(ticketId, 'at' in event ? event : stamp(event)).catch((error) => {
      deps.log?.warn({ err: error, ticketId }, 'timeline append failed');
    });
  const enter = async (stage: Ticket['stage']) => {
    clock.enter(stage);
    ticket = await store.update(ticketId, { stage, timings: { ...clock.timings, modelMs } });
    await append({ type: 'stage', stage });
  };

  // A cancel may come from another process: notice it by polling the ticket.
  const poll = setInterval(() => {
    store
      .get(ticketId)
      .then((t) => {
        if (!t) return;
        clarifications = t.request.clarifications ?? [];
        if (t.status === 'cancelled')
          abort(new CodedError(ErrorCode.Cancelled, t.error?.message ?? 'cancelled'));
      })
      .catch(() => {});
  }, deps.pollMs ?? 1000);
  poll.unref();

  try {
    ticket = await store.update(ticketId, {
      status: 'running',
      attempts: attempt,
      error: undefined,
      ...(deps.scripted !== undefined ? { scripted: deps.scripted } : {}),
    });
    // Cancelled between the claim and now: nothing to run.
    if (ticket.status !== 'running') return { ticket };
    await append({ type: 'status', status: 'running' });
    await append({
      type: 'log',
      level: 'info',
      text: `attempt ${attempt} of ${config.maxAttempts} on ${WORKER_ID}`,
    });

    await enter('preparing');
    if (attempt > 1) await deps.sandboxes.sweep().catch(() => undefined);
    sandbox = await deps.sandboxes.acquire({
      ticketId,
      branch,
      continueBranch,
      signal,
    });
    if (!sandbox.isolated)
      await append({ type: 'log', level: 'warn', text: 'this ticket runs without sandbox isolation' });
    signal.throwIfAborted();

    await enter('coding');
    const run = deps.runLoop({ ticket, sandbox, evidenceDir, signal, clarifications: () => clarifications });
    for (;;) {
      const next = await run.next();
      if (next.done) {
        outcome = next.value;
        break;
      }
      const event = next.value;
      if (event.type === 'stage') {
        if (event.stage !== clock.stage) await enter(event.stage);
        continue;
      }
      await append(event);
      if (event.type === 'usage') {
        sawUsage = true;
        usage = addUsage(usage, event.usage);
        modelMs += event.modelMs;
        await store.update(ticketId, { usage, timings: { ...clock.timings, modelMs } });
      }
    }
    if (!sawUsage) {
      usage = addUsage(usage, outcome.usage);
      modelMs += outcome.modelMs;
    }
    signal.throwIfAborted();
    const common = {
      usage,
      ...(outcome.title ? { result: { title: outcome.title, summary: outcome.summary ?? '' } } : {}),
      ...(outcome.proof?.evidence ? { evidence: outcome.proof.evidence } : {}),
      ...(outcome.review
        ? { review: { verdict: outcome.review.verdict, comments: outcome.review.comments } }
        : {}),
    };
    ticket = await store.update(ticketId, common);

    if (outcome.status === 'failed') {
      throw new CodedError(
        outcome.error?.code ?? ErrorCode.Internal,
        outcome.error?.message ?? 'the agent loop failed',
      );
    }
    if (outcome.status === 'rejected' && !outcome.draft) {
      return await settle('rejected', {
        code: outcome.error?.code ?? ErrorCode.ReviewRejected,
        message: outcome.error?.message ?? 'rejected',
      });
    }

    await enter('publishing');
    const pr = await publish(deps, ticket, sandbox, outcome, evidenceDir, branch, signal, append);
    ticket = await store.update(ticketId, { pr });
    if (outcome.status === 'rejected') {
      return await settle('rejected', {
        code: outcome.error?.code ?? ErrorCode.ReviewRejected,
        message: `${outcome.error?.message ?? 'not approved'}; opened as a draft PR for a person to decide`,
      });
    }
    clock.enter('done');
    return await settle('pr_opened');
  } catch (caught) {
    const reason: unknown = signal.aborted ? signal.reason : caught;
    if (reason instanceof RunInterrupted && reason.kind === 'lease_lost') {
      // A cancel also cancels the job, which ends the lease: that one is ours to settle.
      const now = (await store.get(ticketId)) ?? ticket;
      if (now.status !== 'cancelled') return { ticket: now, abandoned: true };
      return await settle('cancelled', now.error ?? { code: ErrorCode.Cancelled, message: 'cancelled' });
    }
    if (reason instanceof RunInterrupted) {
      const error = new CodedError(ErrorCode.Internal, reason.message, { retryable: true });
      return await handBack(error);
    }
    const error = asCodedError(reason);
    if (error.code === ErrorCode.Cancelled) {
      return await settle('cancelled', {
        code: ErrorCode.Cancelled,
        message: (await store.get(ticketId))?.error?.message ?? error.message,
      });
    }
    if (error.code === ErrorCode.GuardrailRejected || error.code === ErrorCode.ReviewRejected) {
      return await settle('rejected', { code: error.code, message: redact(error.describe()) });
    }
    if ((error.retryable || RETRYABLE.has(error.code)) && attempt < config.maxAttempts)
      return await handBack(error);
    return await settle('failed', { code: error.code, message: redact(error.describe()) });
  } finally {
    clearInterval(poll);
    clock.close();
    opts.signal?.removeEventListener('abort', onOuterAbort);
    if (sandbox) {
      // Kept for debugging only when the ticket ended badly: a retried attempt needs the branch
      // free, and a kept worktree would still hold it checked out.
      const keep = ticket.status === 'failed' || ticket.status === 'rejected';
      await sandbox
        .teardown({ keep })
        .catch((error) => deps.log?.warn({ err: error, ticketId }, 'sandbox teardown failed'));
    }
  }

  async function settle(status: TicketStatus, error?: { code: string; message: string }): Promise<RunResult> {
    clock.close();
    const timings = {
      ...clock.timings,
      modelMs,
      totalMs: Math.max(0, Date.now() - Date.parse(ticket.createdAt)),
    };
    ticket = await store.update(ticketId, {
      status,
      ...(status === 'pr_opened' ? { stage: 'done' as const } : {}),
      timings,
      usage,
      ...(error ? { error } : {}),
    });
    if (error) await append({ type: 'error', code: error.code, message: error.message });
    await append({ type: 'finished', status });
    deps.log?.info({ ticketId, status, runMs: Math.round(performance.now() - startedAt) }, 'ticket settled');
    return { ticket };
  }

  /** Back to the queue: the job is failed and pg-boss retries it after a backoff. */
  async function handBack(error: CodedError): Promise<RunResult> {
    clock.close();
    ticket = await store.update(ticketId, {
      status: 'queued',
      stage: 'queued',
      timings: { ...clock.timings, modelMs },
      usage,
      error: { code: error.code, message: redact(error.describe()) },
    });
    await append({
      type: 'log',
      level: 'warn',
      text: `attempt ${attempt} failed (${error.code}): ${redact(error.message)}; retrying`,
    });
    await append({ type: 'status', status: 'queued' });
    return { ticket, retry: error };
  }
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

/** Guardrails and checks again on the final diff, then commit, push and open (or update) the PR. */
async function publish(
  deps: PipelineDeps,
  ticket: Ticket,
  sandbox: Sandbox,
  outcome: LoopOutcome,
  evidenceDir: string,
  branch: string,
  signal: AbortSignal,
  append: (e: TicketEventInput) => Promise<void>,
) {
  const diff = await sandbox.diff();
  mkdirSync(evidenceDir, { recursive: true });
  writeFileSync(path.join(evidenceDir, 'diff.patch'), redact(diff));
  if (!diff.trim())
    throw new CodedError(ErrorCode.GuardrailRejected, 'the change is empty: nothing to publish');
  const report = checkDiff(diff, sandbox.settings);
  await append({ type: 'guardrail', ok: report.ok, findings: describeFindings(report.findings) });
  if (!report.ok) {
    throw new CodedError(
      ErrorCode.GuardrailRejected,
      `guardrails refused the diff: ${describeFindings(report.findings).join('; ')}`,
    );
  }
  const checks: CheckResult[] = [];
  for (const command of sandbox.settings.checks) {
    signal.throwIfAborted();
    const r = await sandbox.exec(command, { timeoutMs: deps.config.budgets.toolTimeoutMs, signal });
    checks.push({ command, ok: r.exitCode === 0 && !r.timedOut, durationMs: Math.round(r.durationMs) });
    await append({
      type: 'log',
      level: r.exitCode === 0 ? 'info' : 'warn',
      text: `check \`${command}\`: ${r.exitCode === 0 ? 'passed' : 'failed'}`,
    });
    if (r.exitCode !== 0 || r.timedOut) {
      throw new CodedError(ErrorCode.GuardrailRejected, `the check \`${command}\` fails on the change`, {
        hint: `its output ends with: ${redact(r.output.slice(-400))}`,
      });
    }
  }
  signal.throwIfAborted();
  // A forge that hosts evidence itself (GitHub) gives each file a URL PR readers can open.
  let evidenceUrl = (rel: string) => deps.evidenceUrl(ticket.id, rel);
  if (deps.forge.publishEvidence && existsSync(evidenceDir)) {
    const files = listFiles(evidenceDir);
    const urls = await deps.forge.publishEvidence(ticket.id, evidenceDir, files);
    evidenceUrl =
      deps.forge.evidenceLinker?.(ticket.id, urls) ??
      ((rel) => urls[rel] ?? deps.evidenceUrl(ticket.id, rel));
  }
  const title = outcome.title ?? ticket.request.text.split('\n')[0]!.slice(0, 72);
  const body = buildPrBody({
    ticket,
    title,
    summary: outcome.summary,
    files: diffStat(diff),
    proof: outcome.proof,
    checks,
    review: outcome.review,
    usage: outcome.usage,
    modelMs: outcome.modelMs,
    evidenceUrl,
    ticketUrl: deps.ticketUrl?.(ticket.id),
    scripted: deps.scripted,
    notes: describeFindings(report.findings),
  });
  return deps.forge.publish({
    ticket,
    worktree: sandbox.worktree,
    branch,
    baseBranch: sandbox.baseBranch,
    title,
    body,
    draft: outcome.status !== 'approved',
    evidence: outcome.proof?.evidence,
  });
}

/** Paths of the files under `dir`, relative and with forward slashes. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
}
