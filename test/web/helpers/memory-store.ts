/**
 * An in-memory TicketStore for web tests that need thousands of tickets or fine control over
 * timing. Follows the port's contract: submit is idempotent on sourceKey, every update and append
 * fans out to subscribers.
 */
import type { TicketEvent } from '../../../src/core/events.ts';
import { emptyUsage, isTerminal, type Ticket, type TicketStatus } from '../../../src/core/ticket.ts';
import type {
  ListOptions,
  SubmitInput,
  SubmitResult,
  TicketStore,
  TimelineEntry,
} from '../../../src/tickets/types.ts';

type Listener = Parameters<TicketStore['subscribe']>[0];

export class MemoryTicketStore implements TicketStore {
  private tickets = new Map<string, Ticket>();
  private priorities = new Map<string, number>();
  private events = new Map<string, TimelineEntry[]>();
  private listeners = new Set<Listener>();
  private seq = 0;
  private counter = 0;
  private clock = Date.parse('2025-01-01T00:00:00Z');

  async submit(input: SubmitInput): Promise<SubmitResult> {
    const key = input.request.sourceKey;
    if (key) {
      const existing = await this.findBySourceKey(key);
      if (existing) return { ticket: existing, created: false };
    }
    this.counter++;
    const id = `t${String(this.counter).padStart(5, '0')}`;
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
      createdAt: now,
      updatedAt: now,
    };
    this.tickets.set(id, ticket);
    this.priorities.set(id, input.priority ?? 100);
    this.emit({ ticket });
    return { ticket: structuredClone(ticket), created: true };
  }

  async get(id: string): Promise<Ticket | undefined> {
    const t = this.tickets.get(id);
    return t && structuredClone(t);
  }

  async findBySourceKey(key: string): Promise<Ticket | undefined> {
    for (const t of this.tickets.values()) if (t.request.sourceKey === key) return structuredClone(t);
    return undefined;
  }

  async list(opts: ListOptions = {}): Promise<Ticket[]> {
    let all = [...this.tickets.values()].sort(
      (a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id),
    );
    if (opts.status) all = all.filter((t) => opts.status?.includes(t.status));
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

  async update(id: string, patch: Partial<Omit<Ticket, 'id' | 'createdAt'>>): Promise<Ticket> {
    const t = this.tickets.get(id);
    if (!t) throw new Error(`no ticket ${id}`);
    const next: Ticket = { ...t, ...patch, updatedAt: new Date().toISOString() };
    this.tickets.set(id, next);
    this.emit({ ticket: next });
    return structuredClone(next);
  }

  async append(id: string, event: TicketEvent): Promise<void> {
    const t = this.tickets.get(id);
    if (!t) throw new Error(`no ticket ${id}`);
    const list = this.events.get(id) ?? [];
    list.push({ seq: ++this.seq, ticketId: id, event });
    this.events.set(id, list);
    this.emit({ ticket: t, event });
  }

  async timeline(id: string, afterSeq = 0): Promise<TimelineEntry[]> {
    return (this.events.get(id) ?? []).filter((e) => e.seq > afterSeq).map((e) => structuredClone(e));
  }

  async clarify(id: string, text: string): Promise<void> {
    const t = this.tickets.get(id);
    if (!t) throw new Error(`no ticket ${id}`);
    await this.update(id, {
      request: { ...t.request, clarifications: [...(t.request.clarifications ?? []), text] },
    });
  }

  async cancel(id: string): Promise<Ticket> {
    const t = this.tickets.get(id);
    if (!t) throw new Error(`no ticket ${id}`);
    if (isTerminal(t.status)) return structuredClone(t);
    return this.update(id, { status: 'cancelled' });
  }

  async retry(id: string): Promise<Ticket> {
    const t = this.tickets.get(id);
    if (!t) throw new Error(`no ticket ${id}`);
    return this.update(id, { status: 'queued', stage: 'queued', error: undefined, attempts: t.attempts + 1 });
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

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  private emit(change: { ticket: Ticket; event?: TicketEvent }): void {
    for (const l of this.listeners) {
      try {
        l({ ticket: structuredClone(change.ticket), event: change.event });
      } catch {
        // A listener never breaks the store.
      }
    }
  }
}
