/**
 * A small in-memory TicketStore for the Slack tests: the port's contract (exactly-once intake on
 * sourceKey, queue positions, change feed) without a database, so the tests can drive a ticket's
 * status the way the worker would.
 */
import { stamp, type TicketEvent } from '../../../src/core/events.ts';
import { emptyUsage, type Ticket } from '../../../src/core/ticket.ts';
import type { SubmitInput, SubmitResult, TicketStore, TimelineEntry } from '../../../src/tickets/types.ts';

type Listener = Parameters<TicketStore['subscribe']>[0];

export class MemoryStore implements TicketStore {
  readonly tickets = new Map<string, Ticket>();
  readonly entries: TimelineEntry[] = [];
  private listeners = new Set<Listener>();
  private n = 0;
  /** Artificial latency per call, to stand in for a busy database. */
  delayMs = 0;

  async submit(input: SubmitInput): Promise<SubmitResult> {
    await this.pause();
    const key = input.request.sourceKey;
    const existing = key ? [...this.tickets.values()].find((t) => t.request.sourceKey === key) : undefined;
    if (existing) return { ticket: existing, created: false };
    const now = new Date().toISOString();
    const ticket: Ticket = {
      id: `t${++this.n}`,
      status: 'queued',
      stage: 'queued',
      target: input.target ?? 'datadesk',
      request: input.request,
      usage: emptyUsage(),
      timings: {},
      attempts: 0,
      createdAt: now,
      updatedAt: now,
    };
    this.tickets.set(ticket.id, ticket);
    this.emit(ticket);
    return { ticket, created: true };
  }

  async get(id: string) {
    await this.pause();
    const t = this.tickets.get(id);
    return t ? structuredClone(t) : undefined;
  }

  async findBySourceKey(key: string) {
    await this.pause();
    const t = [...this.tickets.values()].find((x) => x.request.sourceKey === key);
    return t ? structuredClone(t) : undefined;
  }

  async list() {
    return [...this.tickets.values()].reverse().map((t) => structuredClone(t));
  }

  async position(id: string) {
    const queued = [...this.tickets.values()].filter((t) => t.status === 'queued');
    const i = queued.findIndex((t) => t.id === id);
    return i === -1 ? undefined : i + 1;
  }

  async update(id: string, patch: Partial<Omit<Ticket, 'id' | 'createdAt'>>) {
    await this.pause();
    const t = this.must(id);
    Object.assign(t, patch, { updatedAt: new Date().toISOString() });
    this.emit(t);
    return structuredClone(t);
  }

  async append(id: string, event: TicketEvent) {
    const t = this.must(id);
    this.entries.push({ seq: this.entries.length + 1, ticketId: id, event });
    this.emit(t, event);
  }

  async timeline(id: string, afterSeq = 0) {
    return this.entries.filter((e) => e.ticketId === id && e.seq > afterSeq);
  }

  async clarify(id: string, text: string) {
    const t = this.must(id);
    t.request = { ...t.request, clarifications: [...(t.request.clarifications ?? []), text] };
    await this.append(id, stamp({ type: 'log', level: 'info', text: `clarification: ${text}` }));
  }

  async cancel(id: string, reason?: string) {
    const t = this.must(id);
    t.status = 'cancelled';
    if (reason) t.error = { code: 'cancelled', message: reason };
    await this.append(id, stamp({ type: 'status', status: 'cancelled' }));
    return structuredClone(t);
  }

  async retry(id: string) {
    return this.update(id, { status: 'queued', stage: 'queued' });
  }

  async counts() {
    const out = { queued: 0, running: 0, pr_opened: 0, failed: 0, rejected: 0, cancelled: 0 };
    for (const t of this.tickets.values()) out[t.status]++;
    return out;
  }

  subscribe(listener: Listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close() {}

  /** Moves a ticket the way the worker does: a patch plus the matching timeline event. */
  async advance(id: string, patch: Partial<Ticket>) {
    const t = this.must(id);
    Object.assign(t, patch, { updatedAt: new Date().toISOString() });
    const event =
      patch.status && patch.status !== 'running'
        ? stamp({ type: 'status', status: patch.status })
        : stamp({ type: 'stage', stage: t.stage });
    await this.append(id, event);
  }

  private must(id: string): Ticket {
    const t = this.tickets.get(id);
    if (!t) throw new Error(`no ticket ${id}`);
    return t;
  }

  private emit(ticket: Ticket, event?: TicketEvent) {
    for (const l of this.listeners) l({ ticket: structuredClone(ticket), event });
  }

  private async pause() {
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
  }
}
