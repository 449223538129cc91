/**
 * An in-memory TicketStore for tests that need no database: thousands of tickets, fine control over
 * timing, or a ticket driven through its statuses the way the worker would. Follows the port's
 * contract: submit is idempotent on sourceKey, queue positions honour priority, every update and
 * append fans out to subscribers, and writes fenced to an attempt are refused the way the SQL store
 * refuses them.
 */
import { CodedError, ErrorCode } from '../../src/core/errors.ts';
import { stamp, type TicketEvent } from '../../src/core/events.ts';
import { emptyUsage, isTerminal, type Ticket, type TicketStatus } from '../../src/core/ticket.ts';
import type {
  AttemptFence,
  ListOptions,
  PublishRecordInput,
  SubmitInput,
  SubmitResult,
  TicketStore,
  TimelineEntry,
} from '../../src/tickets/types.ts';

type Listener = Parameters<TicketStore['subscribe']>[0];

export class MemoryTicketStore implements TicketStore {
  /** Stored tickets by id; tests read them directly to see what the code under test wrote. */
  readonly tickets = new Map<string, Ticket>();
  /** Every timeline entry of every ticket, in append order. */
  readonly entries: TimelineEntry[] = [];
  /** Artificial latency per call, to stand in for a busy database. */
  delayMs = 0;
  private priorities = new Map<string, number>();
  private listeners = new Set<Listener>();
  private counter = 0;
  private clock = Date.parse('2025-01-01T00:00:00Z');

  async submit(input: SubmitInput): Promise<SubmitResult> {
    await this.pause();
    const key = input.request.sourceKey;
    const existing = key ? this.bySourceKey(key) : undefined;
    if (existing) return { ticket: structuredClone(existing), created: false };
    const id = `t${++this.counter}`;
    // Strictly increasing times keep "newest first" deterministic for bulk inserts.
    const now = new Date(Math.max(Date.now(), ++this.clock)).toISOString();
    const ticket: Ticket = {
      id,
      status: 'queued',
      stage: 'queued',
      target: input.target ?? 'datadesk',
      request: input.request,
      usage: emptyUsage(),
      timings: {},
      attempts: 0,
      run: 0,
      createdAt: now,
      updatedAt: now,
    };
    this.tickets.set(id, ticket);
    this.priorities.set(id, input.priority ?? 100);
    this.emit(ticket);
    return { ticket: structuredClone(ticket), created: true };
  }

  async get(id: string): Promise<Ticket | undefined> {
    await this.pause();
    const t = this.tickets.get(id);
    return t && structuredClone(t);
  }

  async findBySourceKey(key: string): Promise<Ticket | undefined> {
    await this.pause();
    const t = this.bySourceKey(key);
    return t && structuredClone(t);
  }

  async list(opts: ListOptions = {}): Promise<Ticket[]> {
    let all = [...this.tickets.values()].sort(
      (a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id),
    );
    if (opts.status) all = all.filter((t) => opts.status?.includes(t.status));
    if (opts.target) all = all.filter((t) => t.target === opts.target);
    if (opts.before) {
      const before = this.tickets.get(opts.before);
      if (before) all = all.filter((t) => t.createdAt < before.createdAt);
    }
    return all.slice(0, opts.limit ?? 100).map((t) => structuredClone(t));
  }

  async position(id: string): Promise<number | undefined> {
    const queued = [...this.tickets.values()]
      .filter((t) => t.status === 'queued')
      .sort(
        (a, b) =>
          (this.priorities.get(a.id) ?? 100) - (this.priorities.get(b.id) ?? 100) ||
          a.createdAt.localeCompare(b.createdAt),
      );
    const i = queued.findIndex((t) => t.id === id);
    return i < 0 ? undefined : i + 1;
  }

  async startAttempt(id: string, extra: { scripted?: boolean } = {}): Promise<Ticket | undefined> {
    await this.pause();
    const t = this.must(id);
    if (t.status !== 'queued' && t.status !== 'running') return undefined;
    const next = this.patch(id, {
      status: 'running',
      attempts: t.attempts + 1,
      run: (t.run ?? 0) + 1,
      error: undefined,
      ...(extra.scripted !== undefined ? { scripted: extra.scripted } : {}),
    });
    this.emit(next);
    return structuredClone(next);
  }

  async update(
    id: string,
    patch: Partial<Omit<Ticket, 'id' | 'createdAt'>>,
    fence: AttemptFence = {},
  ): Promise<Ticket> {
    await this.pause();
    const t = this.must(id);
    if (fence.run !== undefined && (t.run !== fence.run || isTerminal(t.status)))
      throw this.refusal(t, fence.run);
    if (fence.run === undefined && patch.status === 'running' && isTerminal(t.status))
      return structuredClone(t);
    const { run: _run, published: _published, ...rest } = patch;
    const next = this.patch(id, rest);
    this.emit(next);
    return structuredClone(next);
  }

  async recordPublished(id: string, published: PublishRecordInput, fence: { run: number }): Promise<Ticket> {
    const t = this.must(id);
    if (t.run !== fence.run) throw this.refusal(t, fence.run);
    const { pr, ...push } = published;
    const record = { ...push, run: fence.run, at: new Date().toISOString() };
    const next = this.patch(id, { published: record, ...(pr ? { pr } : {}) });
    this.emit(next);
    return structuredClone(next);
  }

  async append(id: string, event: TicketEvent, fence: AttemptFence = {}): Promise<void> {
    const t = this.must(id);
    if (fence.run !== undefined && t.run !== fence.run) throw this.refusal(t, fence.run);
    this.entries.push({ seq: this.entries.length + 1, ticketId: id, event });
    this.emit(t, event);
  }

  async timeline(id: string, afterSeq = 0): Promise<TimelineEntry[]> {
    return this.entries.filter((e) => e.ticketId === id && e.seq > afterSeq).map((e) => structuredClone(e));
  }

  async clarify(id: string, text: string): Promise<void> {
    const t = this.must(id);
    await this.update(id, {
      request: { ...t.request, clarifications: [...(t.request.clarifications ?? []), text] },
    });
    await this.append(id, stamp({ type: 'log', level: 'info', text: `clarification: ${text}` }));
  }

  async setSlackStatusTs(id: string, statusTs: string): Promise<void> {
    const t = this.must(id);
    if (!t.request.slack || t.request.slack.statusTs === statusTs) return;
    await this.update(id, { request: { ...t.request, slack: { ...t.request.slack, statusTs } } });
  }

  async cancel(id: string, reason?: string): Promise<Ticket> {
    const t = this.must(id);
    if (isTerminal(t.status)) return structuredClone(t);
    const next = this.patch(id, {
      status: 'cancelled',
      ...(reason ? { error: { code: 'cancelled', message: reason } } : {}),
    });
    await this.append(id, stamp({ type: 'status', status: 'cancelled' }));
    return structuredClone(next);
  }

  async retry(id: string): Promise<Ticket> {
    const t = this.must(id);
    if (!isTerminal(t.status) || t.status === 'pr_opened') {
      throw new CodedError(
        ErrorCode.BadRequest,
        `ticket ${id} is ${t.status}; only failed, rejected or cancelled tickets can be retried`,
      );
    }
    const next = this.patch(id, {
      status: 'queued',
      stage: 'queued',
      error: undefined,
      attempts: 0,
      run: (t.run ?? 0) + 1,
      ...(t.status === 'rejected' ? { published: undefined } : {}),
    });
    this.emit(next);
    return structuredClone(next);
  }

  async counts(): Promise<Record<TicketStatus, number>> {
    const out: Record<TicketStatus, number> = {
      queued: 0,
      running: 0,
      pr_opened: 0,
      failed: 0,
      rejected: 0,
      cancelled: 0,
    };
    for (const t of this.tickets.values()) out[t.status]++;
    return out;
  }

  async countsByTarget(): Promise<Record<string, Record<TicketStatus, number>>> {
    const out: Record<string, Record<TicketStatus, number>> = {};
    for (const t of this.tickets.values()) {
      out[t.target] ??= { queued: 0, running: 0, pr_opened: 0, failed: 0, rejected: 0, cancelled: 0 };
      out[t.target]![t.status]++;
    }
    return out;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  /** Moves a ticket the way the worker does: a patch plus the matching timeline event. */
  async advance(id: string, patch: Partial<Ticket>): Promise<void> {
    const t = this.patch(id, patch);
    const event =
      patch.status && patch.status !== 'running'
        ? stamp({ type: 'status', status: patch.status })
        : stamp({ type: 'stage', stage: t.stage });
    await this.append(id, event);
  }

  private bySourceKey(key: string): Ticket | undefined {
    for (const t of this.tickets.values()) if (t.request.sourceKey === key) return t;
    return undefined;
  }

  /** Stores the patched ticket without telling subscribers; callers emit once with the right event. */
  private patch(id: string, patch: Partial<Omit<Ticket, 'id' | 'createdAt'>>): Ticket {
    const next: Ticket = { ...this.must(id), ...patch, updatedAt: new Date().toISOString() };
    this.tickets.set(id, next);
    return next;
  }

  private must(id: string): Ticket {
    const t = this.tickets.get(id);
    if (!t) throw new CodedError(ErrorCode.NotFound, `no ticket ${id}`);
    return t;
  }

  /** The SQL store's refusal of a write fenced to attempt `run` (src/tickets/rows.ts). */
  private refusal(t: Ticket, run: number): CodedError {
    if (t.run !== run)
      return new CodedError(ErrorCode.StaleAttempt, `attempt ${run} of ticket ${t.id} was superseded`);
    if (t.status === 'cancelled')
      return new CodedError(ErrorCode.Cancelled, `ticket ${t.id} was cancelled; the write was refused`);
    return new CodedError(ErrorCode.StaleAttempt, `ticket ${t.id} is already ${t.status}`);
  }

  private emit(ticket: Ticket, event?: TicketEvent): void {
    for (const l of this.listeners) {
      try {
        l({ ticket: structuredClone(ticket), event });
      } catch {
        // A listener never breaks the store.
      }
    }
  }

  private async pause(): Promise<void> {
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
  }
}
