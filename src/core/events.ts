/**
 * The typed events of one ticket (STYLE.md 7). The loop and the pipeline emit them; the store
 * (timeline), the queue page (SSE) and Slack (thread updates) subscribe. Emitters know none of them.
 */
import type { ReviewComment, ReviewerVerdict, ReviewVerdict, Stage, TicketStatus, Usage } from './ticket.ts';

export type AgentRole = 'coder' | 'reviewer';

/** Which reviewer an agent event came from, when several review side by side (absent: the coder or `general`). */
interface FromReviewer {
  reviewer?: string;
}

export type TicketEvent =
  | { type: 'stage'; stage: Stage; at: string }
  | { type: 'status'; status: TicketStatus; at: string }
  | ({ type: 'message'; agent: AgentRole; text: string; at: string } & FromReviewer)
  | ({
      type: 'tool_call';
      agent: AgentRole;
      callId: string;
      name: string;
      args: unknown;
      at: string;
    } & FromReviewer)
  | ({
      type: 'tool_result';
      agent: AgentRole;
      callId: string;
      name: string;
      ok: boolean;
      /** Short, redacted text for timelines; the full output lives in the transcript. */
      summary: string;
      durationMs: number;
      at: string;
    } & FromReviewer)
  | ({
      type: 'usage';
      agent: AgentRole;
      model: string;
      usage: Usage;
      modelMs: number;
      at: string;
    } & FromReviewer)
  | { type: 'proof'; outcome: ProofOutcomeKind; detail: string; at: string }
  /** The combined verdict of a review round. */
  | { type: 'review'; verdict: ReviewVerdict; comments: ReviewComment[]; round: number; at: string }
  /** One reviewer's verdict in a round (the ticket's `reviews` entries are built from these). */
  | ({ type: 'reviewer_verdict'; at: string } & ReviewerVerdict)
  | { type: 'guardrail'; ok: boolean; findings: string[]; at: string }
  | { type: 'log'; level: 'info' | 'warn'; text: string; at: string }
  | { type: 'error'; code: string; message: string; at: string }
  | { type: 'finished'; status: TicketStatus; at: string };

export type ProofOutcomeKind = 'proven' | 'passes_on_base' | 'flaky' | 'fails_on_head' | 'invalid_plan';

/** Events without their timestamp, for emitters; `stamp` adds it. */
export type TicketEventInput = TicketEvent extends infer E
  ? E extends TicketEvent
    ? Omit<E, 'at'>
    : never
  : never;

export function stamp(event: TicketEventInput): TicketEvent {
  return { ...event, at: new Date().toISOString() } as TicketEvent;
}

/** Where emitters send events. A sink never throws back into the emitter. */
export type EventSink = (event: TicketEvent) => void;
