/**
 * The agent loop of one ticket: the coder changes the code and proves it, the guardrails check the
 * diff, a separate reviewer approves, requests changes (back to the coder, bounded) or rejects.
 *
 * ```ts
 * const run = runTicketLoop({ ticketId, request, sandbox, browser, prove, coder, reviewer, budgets });
 * for (let next = await run.next(); ; next = await run.next()) {
 *   if (next.done) { const outcome: LoopOutcome = next.value; break; }
 *   store.append(ticketId, next.value); // a TicketEvent
 * }
 * ```
 * Stages emitted: `coding` → `verifying` (while `prove` runs, then `coding` again) → `reviewing`
 * (→ `coding` when changes are requested). The generator never throws for a ticket's own failure:
 * budgets, cancellation, a broken model or tool end with `status: 'failed'` and `error.code`.
 */
import { mkdirSync, realpathSync } from 'node:fs';
import type { ProofResult } from '../browser/types.ts';
import { browserTools, type BrowserToolContext } from '../browser/tools.ts';
import type { Budgets } from '../config/schema.ts';
import { attach, type Candidate } from '../core/candidate.ts';
import { readHouseKnowledge } from '../config/target.ts';
import { asCodedError, CodedError, ErrorCode } from '../core/errors.ts';
import { stamp, type TicketEvent } from '../core/events.ts';
import type { ReviewerVerdict, Usage } from '../core/ticket.ts';
import { loadOwners } from '../owners/load.ts';
import type { Sandbox } from '../sandbox/types.ts';
import { asAbort, outputsDirOf, runAgent, type AgentSession } from './agent.ts';
import { BudgetTracker } from './budget.ts';
import { EventQueue } from './events.ts';
import type { ChatModel } from './llm/types.ts';
import { checkDiff, describeFindings, type GuardrailFinding } from './policy/diff.ts';
import {
  clarificationMessage,
  coderRequestMessage,
  coderSystemPrompt,
  guardrailFeedbackMessage,
} from './prompts.ts';
import { feedbackMessage, rejectionMessage } from './review/combine.ts';
import { ReviewPanel, type RoundResult } from './review/panel.ts';
import type { Review } from './reviewer.ts';
import { ToolRegistry } from './tools/adapter.ts';
import type { LoopState, LoopToolContext, ProveFn } from './tools/context.ts';
import { fileTools } from './tools/files.ts';
import { shellTools } from './tools/shell.ts';
import { verifyTools } from './tools/verify.ts';
import { Transcript } from './transcript.ts';

export type { ChatModel } from './llm/types.ts';
export type { ProveFn } from './tools/context.ts';
export type { Review } from './reviewer.ts';

export interface TicketLoopInput {
  ticketId: string;
  /** The request text (untrusted). */
  request: string;
  /** All clarifications so far (Slack thread replies); new ones are shown to the coder at its next turn. */
  clarifications?: () => string[];
  sandbox: Sandbox;
  /** The browser tools' context, or a factory called on the first browser tool call. Absent: no browser tools. */
  browser?: BrowserToolContext | (() => Promise<BrowserToolContext>);
  /** Runs a verification plan on base and head (src/evidence `prove`, bound to this ticket). */
  prove: ProveFn;
  coder: ChatModel;
  reviewer: ChatModel;
  /** The model of an owner whose reviewer file names one; absent: owners use `reviewer`. */
  reviewerFor?: (model: string) => ChatModel;
  /** How many reviewers run at once (default 4). */
  reviewConcurrency?: number;
  budgets: Budgets;
  signal?: AbortSignal;
  /** Where the JSONL transcript is appended (redacted); absent: not written. */
  transcriptPath?: string;
  /** Absolute paths commands may not mention (the Loopwright home). */
  deniedPaths?: string[];
  /** Keep only the newest snapshot in context (default true; false only to measure the saving). */
  supersedeSnapshots?: boolean;
}

export interface LoopOutcome {
  /** approved: ready to publish · rejected: a guardrail or the reviewer refused · failed: see `error`. */
  status: 'approved' | 'rejected' | 'failed';
  title?: string;
  summary?: string;
  /** The proof of the candidate's tree (or, without a candidate, the last attempt). */
  proof?: ProofResult;
  /**
   * The tree the coder finished with and what the loop established about it (proof, guardrails,
   * review). The pipeline adds the checks and decides whether it may be published.
   */
  candidate?: Candidate;
  /** The combined verdict of the last round. */
  review?: Review;
  /** Every reviewer's verdict, one per reviewer per round. */
  reviews?: ReviewerVerdict[];
  usage: Usage;
  modelMs: number;
  turns: number;
  reviewRounds: number;
  guardrailFindings: GuardrailFinding[];
  error?: { code: ErrorCode; message: string };
  /** Proven but not approved after the last review round: the pipeline may open a draft PR. */
  draft?: boolean;
}

/** Runs the coder and the reviewer for one ticket; yields TicketEvents; returns the outcome. */
export async function* runTicketLoop(input: TicketLoopInput): AsyncGenerator<TicketEvent, LoopOutcome> {
  const budget = new BudgetTracker(input.budgets);
  const controller = new AbortController();
  const onAbort = () => controller.abort(input.signal?.reason);
  input.signal?.addEventListener('abort', onAbort, { once: true });
  if (input.signal?.aborted) onAbort();
  const wallTimer = setTimeout(
    () =>
      controller.abort(
        new CodedError(ErrorCode.BudgetExceeded, `wall-time budget exceeded: ${input.budgets.maxWallMs} ms`, {
          hint: 'raise budgets.maxWallMs',
        }),
      ),
    input.budgets.maxWallMs,
  );
  const signal = controller.signal;
  const queue = new EventQueue();
  const transcript = new Transcript(input.transcriptPath);
  const state: LoopState = { proofs: [] };
  const root = realpathSync(input.sandbox.worktree);
  const outputsDir = outputsDirOf(input.sandbox.scratchDir);
  mkdirSync(outputsDir, { recursive: true });
  let guardrailFindings: GuardrailFinding[] = [];
  let review: Review | undefined;
  let reviewRounds = 0;

  const ctx: LoopToolContext = {
    sandbox: input.sandbox,
    root,
    outputsDir,
    toolTimeoutMs: input.budgets.toolTimeoutMs,
    signal,
    prove: input.prove,
    state,
    onVerifying: (active) => queue.push({ type: 'stage', stage: active ? 'verifying' : 'coding' }),
    allowedHosts: input.sandbox.settings.network,
    deniedPaths: input.deniedPaths ?? [],
  };
  const registry = new ToolRegistry().add(fileTools, () => ctx).add(shellTools, () => ctx);
  if (input.browser) {
    const source = input.browser;
    let browser: Promise<BrowserToolContext> | undefined;
    registry.add(
      browserTools,
      () => (browser ??= typeof source === 'function' ? source() : Promise.resolve(source)),
    );
  }
  registry.add(verifyTools, () => ctx);

  let seenClarifications = 0;
  const coder: AgentSession = {
    agent: 'coder',
    model: input.coder,
    registry,
    messages: [
      {
        role: 'system',
        content: coderSystemPrompt({
          house: readHouseKnowledge(root),
          routes: input.sandbox.settings.routes,
          appUrl: input.sandbox.app.url,
          checks: input.sandbox.settings.checks,
          hasBrowser: !!input.browser,
        }),
      },
      { role: 'user', content: coderRequestMessage(input.request) },
    ],
    snapshotCalls: new Set(),
    budget,
    transcript,
    queue,
    signal,
    toolTimeoutMs: input.budgets.toolTimeoutMs,
    outputsDir,
    supersedeSnapshots: input.supersedeSnapshots,
    incoming: () => {
      const all = input.clarifications?.() ?? [];
      const fresh = all.slice(seenClarifications);
      seenClarifications = all.length;
      return fresh.map(clarificationMessage);
    },
    afterTool: (name, result) => {
      if (name !== 'submit_verification' || !result.response.data) return;
      const proof = result.response.data as ProofResult;
      queue.push({ type: 'proof', outcome: proof.outcome, detail: proof.feedback });
      const attempts = state.proofs.length;
      if (proof.outcome !== 'proven' && attempts >= input.budgets.maxProofAttempts) {
        throw new CodedError(
          ErrorCode.ProofFailed,
          `no proof after ${attempts} attempts (last: ${proof.outcome})`,
          {
            hint: 'raise budgets.maxProofAttempts, or make the request more specific',
          },
        );
      }
    },
  };

  const outcome = (status: LoopOutcome['status'], extra: Partial<LoopOutcome> = {}): LoopOutcome => {
    const proof = state.finished?.proof.result ?? state.proofs.at(-1)?.result;
    return {
      status,
      candidate,
      title: state.finished?.title,
      summary: state.finished?.summary,
      proof,
      review,
      ...(panel?.entries.length ? { reviews: [...panel.entries] } : {}),
      usage: budget.usage,
      modelMs: Math.round(budget.modelMs),
      turns: budget.turns,
      reviewRounds,
      guardrailFindings,
      ...extra,
    };
  };

  let panel: ReviewPanel | undefined;
  /** The panel, with the owners as the base commit names them (never as the worktree has them). */
  async function openPanel(): Promise<ReviewPanel> {
    if (panel) return panel;
    const setup = await loadOwners(input.sandbox.gitDir, input.sandbox.baseCommit);
    for (const problem of setup.problems)
      queue.push({ type: 'log', level: 'warn', text: `owners: ${problem}` });
    panel = new ReviewPanel({
      setup,
      gitDir: input.sandbox.gitDir,
      concurrency: input.reviewConcurrency ?? 4,
      model: input.reviewer,
      modelFor: input.reviewerFor,
    });
    return panel;
  }

  /** The reviewers read a clean checkout of the candidate's tree, never the live worktree. */
  async function* reviewTree(
    c: Candidate,
    finished: NonNullable<LoopState['finished']>,
    findings: GuardrailFinding[],
  ): AsyncGenerator<TicketEvent, RoundResult> {
    const reviewers = yield* queue.drain(openPanel());
    const room = await input.sandbox.openRoom(c.tree, 'review', { deps: false });
    try {
      return yield* reviewers.round({
        tree: c.tree,
        request: input.request,
        diff: c.diff,
        proof: finished.proof.result,
        guardrails: findings,
        coderSummary: { title: finished.title, summary: finished.summary },
        round: reviewRounds,
        files: { ...ctx, root: realpathSync(room.dir) },
        budget,
        transcript,
        queue,
        signal,
        toolTimeoutMs: input.budgets.toolTimeoutMs,
      });
    } finally {
      await room.close().catch(() => undefined);
    }
  }

  let guardrailStrikes = 0;
  let candidate: Candidate | undefined;
  try {
    yield stamp({ type: 'stage', stage: 'coding' });
    for (;;) {
      yield* runAgent(coder, () => state.finished !== undefined);
      const finished = state.finished!;
      candidate = attach({ tree: finished.proof.tree, diff: finished.proof.diff }, 'proof', {
        outcome: finished.proof.result.outcome,
        evidence: finished.proof.result.evidence,
      });
      const diff = candidate.diff;
      const report = checkDiff(diff, input.sandbox.settings);
      guardrailFindings = report.findings;
      candidate = attach(candidate, 'guardrails', {
        ok: report.ok,
        findings: describeFindings(report.findings),
      });
      yield stamp({ type: 'guardrail', ok: report.ok, findings: describeFindings(report.findings) });
      if (!report.ok) {
        if (++guardrailStrikes >= 2) {
          return outcome('rejected', {
            error: {
              code: ErrorCode.GuardrailRejected,
              message: `guardrails refused the diff twice: ${describeFindings(report.findings).join('; ')}`,
            },
          });
        }
        transcript.write({ kind: 'note', text: 'guardrails refused the diff; back to the coder' });
        state.finished = undefined;
        coder.messages.push({ role: 'user', content: guardrailFeedbackMessage(report.findings) });
        continue;
      }
      reviewRounds++;
      yield stamp({ type: 'stage', stage: 'reviewing' });
      const result = yield* reviewTree(candidate, finished, report.findings);
      const { combined } = result;
      review = { verdict: combined.verdict, comments: combined.comments };
      candidate = attach(candidate, 'review', { ...review, reviews: [...(panel?.entries ?? [])] });
      yield stamp({
        type: 'review',
        verdict: review.verdict,
        comments: review.comments,
        round: reviewRounds,
      });
      if (combined.verdict === 'approve') return outcome('approved');
      if (combined.verdict === 'reject') {
        return outcome('rejected', {
          error: { code: ErrorCode.ReviewRejected, message: rejectionMessage(combined.by) },
        });
      }
      if (reviewRounds > input.budgets.maxReviewRounds || result.outOfRounds.length) {
        const who = combined.by.map((e) => e.reviewer).join(', ');
        return outcome('rejected', {
          draft: true,
          error: {
            code: ErrorCode.ReviewRejected,
            message: `${who} still requested changes after ${reviewRounds} rounds`,
          },
        });
      }
      state.finished = undefined;
      coder.messages.push({ role: 'user', content: feedbackMessage(result.given) });
      yield stamp({ type: 'stage', stage: 'coding' });
    }
  } catch (caught) {
    const error = signal.aborted ? asAbort(signal) : asCodedError(caught);
    transcript.write({ kind: 'note', text: `ended: ${error.code}: ${error.message}` });
    yield stamp({ type: 'error', code: error.code, message: error.describe() });
    return outcome('failed', { error: { code: error.code, message: error.describe() } });
  } finally {
    clearTimeout(wallTimer);
    input.signal?.removeEventListener('abort', onAbort);
  }
}
