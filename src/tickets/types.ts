/**
 * The ticket store and queue ports. One implementation runs on Postgres SQL, embedded PGlite by
 * default or a server when DATABASE_URL is set; the web app, Slack and the CLI code against these.
 */
import type { TicketEvent } from '../core/events.ts';
import type { PublishRecord, PullRequestRef, Ticket, TicketRequest } from '../core/ticket.ts';

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
  /** Only tickets of this target. */
  target?: string;
  before?: string;
}

/**
 * Ties a write to one attempt. `run` is `ticket.run` as `startAttempt` returned it; the write
 * applies only while that attempt is still the ticket's newest, so a worker that lost its lease
 * (or whose ticket a person retried) cannot write over the attempt that replaced it.
 */
export interface AttemptFence {
  run?: number;
}

/** What `recordPublished` takes; the store adds the attempt's `run` and the time. */
export type PublishRecordInput = Omit<PublishRecord, 'run' | 'at'> & {
  /** The pull request that carries the push, written in the same statement when known. */
  pr?: PullRequestRef;
};

export interface TicketStore {
  submit(input: SubmitInput): Promise<SubmitResult>;
  get(id: string): Promise<Ticket | undefined>;
  findBySourceKey(key: string): Promise<Ticket | undefined>;
  list(opts?: ListOptions): Promise<Ticket[]>;
  /** Queue position (1 = next) of a queued ticket. */
  position(id: string): Promise<number | undefined>;
  /**
   * Starts an attempt: one statement moves `attempts` and `run` up by one, sets `running` and
   * clears `error`, only while the ticket is queued or running. Undefined when it may not run
   * (cancelled or settled meanwhile); NotFound when there is no such ticket.
   */
  startAttempt(id: string, extra?: { scripted?: boolean }): Promise<Ticket | undefined>;
  /**
   * With `opts.run`, the patch applies (in one statement) only while that attempt is the newest and
   * the ticket is queued or running. Otherwise it throws StaleAttempt (a newer attempt started, or
   * this one already settled) or Cancelled (the ticket was cancelled: a cancel wins over a settle
   * or a hand-back that lands after it). Without `opts.run` the write is not fenced.
   */
  update(id: string, patch: Partial<Omit<Ticket, 'id' | 'createdAt'>>, opts?: AttemptFence): Promise<Ticket>;
  /**
   * Append to the ticket's timeline; also fans out to subscribers. With `opts.run`, an event from
   * a superseded attempt is refused with StaleAttempt (the caller learns it lost the ticket); the
   * newest attempt's events still land after a cancel or a settle (its closing events).
   */
  append(id: string, event: TicketEvent, opts?: AttemptFence): Promise<void>;
  /**
   * Records a push of attempt `opts.run`, so a later attempt adopts it instead of rerunning the
   * model. Refused with StaleAttempt when that attempt was superseded; a cancel does not refuse it:
   * the push happened, and a retry must know about it.
   */
  recordPublished(id: string, published: PublishRecordInput, opts: { run: number }): Promise<Ticket>;
  timeline(id: string, afterSeq?: number): Promise<TimelineEntry[]>;
  /** Adds a clarification the agent sees at its next turn. */
  clarify(id: string, text: string): Promise<void>;
  /**
   * Records the ts of the ticket's Slack status message, atomically with respect to clarify (both
   * change `request`), so a restarted process updates the same message.
   */
  setSlackStatusTs(id: string, statusTs: string): Promise<void>;
  cancel(id: string, reason?: string): Promise<Ticket>;
  /**
   * Queues a failed, rejected or cancelled ticket again with the full attempt budget (`attempts`
   * back to 0; `run` moves on, so attempts from before the retry are fenced out). A rejected
   * ticket's publish record is dropped: a person retrying a refused change wants a new one.
   */
  retry(id: string): Promise<Ticket>;
  counts(): Promise<Record<Ticket['status'], number>>;
  /** Tickets by target, then status (targets without tickets are absent). */
  countsByTarget(): Promise<Record<string, Record<Ticket['status'], number>>>;
  /**
   * Live changes: every timeline append and ticket update, in this process and (on Postgres, via
   * LISTEN/NOTIFY or polling) from other processes. Returns an unsubscribe function.
   */
  subscribe(listener: (change: { ticket: Ticket; event?: TicketEvent }) => void): () => void;
  close(): Promise<void>;
}
