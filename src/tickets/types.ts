/**
 * The ticket store and queue ports. One implementation runs on Postgres SQL, embedded PGlite by
 * default or a server when DATABASE_URL is set; the web app, Slack and the CLI code against these.
 */
import type { TicketEvent } from '../core/events.ts';
import type { Ticket, TicketRequest } from '../core/ticket.ts';

export interface SubmitInput {
  request: TicketRequest;
  target?: string;
  /** Lower runs first; default 100. */
  priority?: number;
}

export interface SubmitResult {
  ticket: Ticket;
  /** False when the source key was seen before: the existing ticket is returned (exactly-once intake). */
  created: boolean;
}

export interface TimelineEntry {
  seq: number;
  ticketId: string;
  event: TicketEvent;
}

export interface ListOptions {
  limit?: number;
  /** Only tickets in these statuses. */
  status?: Ticket['status'][];
  before?: string;
}

export interface TicketStore {
  submit(input: SubmitInput): Promise<SubmitResult>;
  get(id: string): Promise<Ticket | undefined>;
  findBySourceKey(key: string): Promise<Ticket | undefined>;
  list(opts?: ListOptions): Promise<Ticket[]>;
  /** Queue position (1 = next) of a queued ticket. */
  position(id: string): Promise<number | undefined>;
  update(id: string, patch: Partial<Omit<Ticket, 'id' | 'createdAt'>>): Promise<Ticket>;
  /** Append to the ticket's timeline; also fans out to subscribers. */
  append(id: string, event: TicketEvent): Promise<void>;
  timeline(id: string, afterSeq?: number): Promise<TimelineEntry[]>;
  /** Adds a clarification the agent sees at its next turn. */
  clarify(id: string, text: string): Promise<void>;
  /**
   * Records the ts of the ticket's Slack status message, atomically with respect to clarify (both
   * change `request`), so a restarted process updates the same message.
   */
  setSlackStatusTs(id: string, statusTs: string): Promise<void>;
  cancel(id: string, reason?: string): Promise<Ticket>;
  retry(id: string): Promise<Ticket>;
  counts(): Promise<Record<Ticket['status'], number>>;
  /**
   * Live changes: every timeline append and ticket update, in this process and (on Postgres, via
   * LISTEN/NOTIFY or polling) from other processes. Returns an unsubscribe function.
   */
  subscribe(listener: (change: { ticket: Ticket; event?: TicketEvent }) => void): () => void;
  close(): Promise<void>;
}
