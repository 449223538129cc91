/**
 * One attempt at a ticket and every write it makes. Each write carries the attempt number, so a
 * worker that lost its lease without noticing (paused, partitioned) has its writes refused once
 * another attempt started (stale_attempt), and a cancel is never overwritten by a settle that
 * races it (the store refuses the write with `cancelled`). Timings and usage accumulate here.
 */
import type { Config } from '../config/schema.ts';
import type { CodedError } from '../core/errors.ts';
import { stamp, type TicketEvent, type TicketEventInput } from '../core/events.ts';
import type { Logger } from '../core/log.ts';
import { redact } from '../core/redact.ts';
import type { Stage, Ticket, TicketStatus, Usage } from '../core/ticket.ts';
import { StageClock } from './stages.ts';
import type { TicketStore } from './types.ts';

export interface RunResult {
  ticket: Ticket;
  /** Set when the job should be failed so the queue retries it (with backoff). */
  retry?: CodedError;
  /** The run let go of the ticket without settling it (another worker holds it now). */
  abandoned?: boolean;
}

export class Attempt {
  /** The attempt within the current budget (1 = first), for people. */
  readonly number: number;
  /** The fencing token every write carries: the ticket's newest run when this attempt started. */
  readonly run: number;
  readonly clock: StageClock;
  ticket: Ticket;
  usage: Usage;
  modelMs: number;
  private readonly store: TicketStore;
  private readonly log?: Logger;
  private readonly startedAt = performance.now();

  constructor(init: {
    store: TicketStore;
    ticket: Ticket;
    config: Config;
    onTimeout: (error: CodedError) => void;
    log?: Logger;
  }) {
    this.store = init.store;
    this.ticket = init.ticket;
    this.number = init.ticket.attempts;
    this.run = init.ticket.run ?? init.ticket.attempts;
    this.usage = init.ticket.usage;
    this.modelMs = init.ticket.timings.modelMs ?? 0;
    this.log = init.log;
    const first = this.number === 1;
    this.clock = new StageClock(init.config.stageTimeouts, first ? {} : init.ticket.timings, init.onTimeout);
    if (first) this.clock.timings.queuedMs = Math.max(0, Date.now() - Date.parse(init.ticket.createdAt));
  }

  get id(): string {
    return this.ticket.id;
  }

  /** A fenced update of this attempt's ticket. */
  async update(patch: Partial<Omit<Ticket, 'id' | 'createdAt'>>): Promise<Ticket> {
    this.ticket = await this.store.update(this.id, patch, { run: this.run });
    return this.ticket;
  }

  /** A fenced timeline event; a failure to append is logged, never fatal. */
  async append(event: TicketEvent | TicketEventInput): Promise<void> {
    const full = 'at' in event ? event : stamp(event);
    await this.store.append(this.id, full, { run: this.run }).catch((error: unknown) => {
      this.log?.warn({ err: error, ticketId: this.id }, 'timeline append failed');
    });
  }

  async enter(stage: Stage): Promise<void> {
    this.clock.enter(stage);
    await this.update({ stage, timings: this.timings() });
    await this.append({ type: 'stage', stage });
  }

  timings(): Ticket['timings'] {
    return { ...this.clock.timings, modelMs: this.modelMs };
  }

  /** Ends the attempt with a terminal status. */
  async settle(status: TicketStatus, error?: { code: string; message: string }): Promise<RunResult> {
    this.clock.close();
    const timings = {
      ...this.timings(),
      totalMs: Math.max(0, Date.now() - Date.parse(this.ticket.createdAt)),
    };
    await this.update({
      status,
      ...(status === 'pr_opened' ? { stage: 'done' as const } : {}),
      timings,
      usage: this.usage,
      ...(error ? { error } : {}),
    });
    if (error) await this.append({ type: 'error', code: error.code, message: error.message });
    await this.append({ type: 'finished', status });
    const runMs = Math.round(performance.now() - this.startedAt);
    this.log?.info({ ticketId: this.id, status, runMs }, 'ticket settled');
    return { ticket: this.ticket };
  }

  /** Back to the queue: the job is failed and the queue retries it after a backoff. */
  async handBack(error: CodedError): Promise<RunResult> {
    this.clock.close();
    await this.update({
      status: 'queued',
      stage: 'queued',
      timings: this.timings(),
      usage: this.usage,
      error: { code: error.code, message: redact(error.describe()) },
    });
    await this.append({
      type: 'log',
      level: 'warn',
      text: `attempt ${this.number} failed (${error.code}): ${redact(error.message)}; retrying`,
    });
    await this.append({ type: 'status', status: 'queued' });
    return { ticket: this.ticket, retry: error };
  }
}
