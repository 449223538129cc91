/**
 * One reviewer: a separate agent with its own conversation, prompt, rules and (when set) model. It
 * never sees the coder's messages or reasoning, nor another reviewer's; it gets the request, the
 * whole diff with its own paths marked, the proof, the guardrail findings, its rules, and
 * read-only file tools over a clean checkout of the candidate tree.
 */
import type { TicketEvent } from '../core/events.ts';
import type { ReviewComment, ReviewVerdict } from '../core/ticket.ts';
import { runAgent, type AgentSession } from './agent.ts';
import type { BudgetTracker } from './budget.ts';
import { EventQueue } from './events.ts';
import type { ChatModel } from './llm/types.ts';
import { reviewerMessage, reviewerSystemPrompt, type ReviewerMessageInput } from './review/prompts.ts';
import { ToolRegistry } from './tools/adapter.ts';
import type { LoopState } from './tools/context.ts';
import { readOnlyFileTools, type FileToolsContext } from './tools/files.ts';
import { submitReview } from './tools/review.ts';
import type { Transcript } from './transcript.ts';

export interface ReviewInput extends ReviewerMessageInput {
  model: ChatModel;
  files: FileToolsContext;
  budget: BudgetTracker;
  transcript: Transcript;
  signal: AbortSignal;
  toolTimeoutMs: number;
}

export interface Review {
  verdict: ReviewVerdict;
  comments: ReviewComment[];
}

/** Runs one reviewer's round in a fresh conversation; returns the verdict given with submit_review. */
export async function* runReviewer(input: ReviewInput): AsyncGenerator<TicketEvent, Review> {
  const state: LoopState = { proofs: [] };
  const registry = new ToolRegistry()
    .add(readOnlyFileTools, () => input.files)
    .add([submitReview], () => ({ state }));
  const session: AgentSession = {
    agent: 'reviewer',
    model: input.model,
    registry,
    messages: [
      { role: 'system', content: reviewerSystemPrompt(input.role) },
      { role: 'user', content: reviewerMessage({ ...input }) },
    ],
    snapshotCalls: new Set(),
    budget: input.budget,
    transcript: input.transcript,
    // Its own queue: reviewers run side by side, and one's events must not drain into another's.
    queue: new EventQueue(),
    signal: input.signal,
    toolTimeoutMs: input.toolTimeoutMs,
    outputsDir: input.files.outputsDir,
  };
  yield* runAgent(session, () => state.review !== undefined);
  return state.review!;
}
