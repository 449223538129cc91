/**
 * The reviewer: a separate agent with its own conversation, prompt and model. It never sees the
 * coder's messages or reasoning; it gets the request, the diff, the proof, the guardrail findings,
 * the path-scoped review rules, and read-only file tools.
 */
import type { ProofResult } from '../browser/types.ts';
import type { TicketEvent } from '../core/events.ts';
import type { ReviewComment, ReviewVerdict } from '../core/ticket.ts';
import { runAgent, type AgentSession } from './agent.ts';
import type { BudgetTracker } from './budget.ts';
import type { EventQueue } from './events.ts';
import type { ChatModel } from './llm/types.ts';
import { parseDiff } from './policy/parse.ts';
import type { GuardrailFinding } from './policy/diff.ts';
import { reviewerMessage, reviewerSystemPrompt } from './prompts.ts';
import { applicableRules, loadReviewRules } from './review-rules.ts';
import { ToolRegistry } from './tools/adapter.ts';
import type { LoopState, LoopToolContext } from './tools/context.ts';
import { readOnlyFileTools } from './tools/files.ts';
import { submitReview } from './tools/review.ts';
import type { Transcript } from './transcript.ts';

export interface ReviewInput {
  model: ChatModel;
  request: string;
  diff: string;
  proof?: ProofResult;
  guardrails: GuardrailFinding[];
  coderSummary?: { title: string; summary: string };
  round: number;
  files: Pick<LoopToolContext, 'root' | 'outputsDir' | 'sandbox'>;
  budget: BudgetTracker;
  transcript: Transcript;
  queue: EventQueue;
  signal: AbortSignal;
  toolTimeoutMs: number;
}

export interface Review {
  verdict: ReviewVerdict;
  comments: ReviewComment[];
}

/** Runs one review round in a fresh conversation; returns the verdict given with submit_review. */
export async function* runReviewer(input: ReviewInput): AsyncGenerator<TicketEvent, Review> {
  const state: LoopState = { proofs: [] };
  const rules = applicableRules(
    loadReviewRules(input.files.root),
    parseDiff(input.diff).flatMap((f) => [f.path, ...(f.oldPath ? [f.oldPath] : [])]),
  );
  const registry = new ToolRegistry()
    .add(readOnlyFileTools, () => input.files)
    .add([submitReview], () => ({ state }));
  const session: AgentSession = {
    agent: 'reviewer',
    model: input.model,
    registry,
    messages: [
      { role: 'system', content: reviewerSystemPrompt() },
      {
        role: 'user',
        content: reviewerMessage({
          request: input.request,
          diff: input.diff,
          proof: input.proof,
          guardrails: input.guardrails,
          rules,
          coderSummary: input.coderSummary,
          round: input.round,
        }),
      },
    ],
    snapshotCalls: new Set(),
    budget: input.budget,
    transcript: input.transcript,
    queue: input.queue,
    signal: input.signal,
    toolTimeoutMs: input.toolTimeoutMs,
    outputsDir: input.files.outputsDir,
  };
  yield* runAgent(session, () => state.review !== undefined);
  return state.review!;
}
