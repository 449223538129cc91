/**
 * The ticket store (src/tickets/types.ts TicketStore) on Postgres SQL: tickets with JSON columns,
 * an append-only timeline, exactly-once intake by source key, and live change fan-out (in process,
 * and across processes through NOTIFY when on a Postgres server).
 */
import { randomUUID } from 'node:crypto';
import { CodedError, ErrorCode } from '../core/errors.ts';
import { stamp, type TicketEvent } from '../core/events.ts';
import { emptyUsage, isTerminal, TICKET_STATUSES, type Ticket, type TicketStatus } from '../core/ticket.ts';
import type { Db, Queryable } from './db.ts';
import { newTicketId } from './ids.ts';
import type { TicketQueue } from './queue.ts';
import { notFound, patchSets, refusal, rowToTicket, type TicketRow } from './rows.ts';
import type { ListOptions, SubmitInput, SubmitResult, TicketStore, TimelineEntry } from './types.ts';

const CHANNEL = 'loopwright_changes';
const ALL_STATUSES = TICKET_STATUSES;

export interface StoreOptions {
  /** Without a queue, submitted tickets are stored but no job is enqueued (read-only tools, tests). */
  queue?: TicketQueue;
  /** The target of tickets submitted without one. */
  defaultTarget?: string;
}

/** The port plus what the worker and the CLI need beyond it. */
export interface SqlTicketStore extends TicketStore {
  readonly db: Db;
  /**
   * `enqueue: false` stores the ticket without a queue job, for a process that runs it itself
   * (`loopwright run`, `demo`) so no worker elsewhere claims it too.
   */
  submit(input: SubmitInput, opts?: { enqueue?: boolean }): Promise<SubmitResult>;
  /** The pg-boss job currently carrying the ticket. */
  jobId(id: string): Promise<string | undefined>;
}

export function createTicketStore(db: Db, opts: StoreOptions = {}): SqlTicketStore {
  const origin = randomUUID();
  const listeners = new Set<(change: { ticket: Ticket; event?: TicketEvent }) => void>();
  let unlisten: Promise<() => Promise<void>> | undefined;
  let remoteChain: Promise<void> = Promise.resolve();

  const emit = (ticket: Ticket, event?: TicketEvent) => {
    for (const l of listeners) {
      try {
        l({ ticket, event });
      } catch {
        // A subscriber's failure must not break the writer.
      }
    }
  };

  const changed = async (ticket: Ticket, event?: TicketEvent, seq?: number) => {
    emit(ticket, event);
    if (db.kind === 'postgres') {
      await db
        .query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify({ o: origin, id: ticket.id, seq })])
        .catch(() => {});
    }
  };

  const getOn = async (q: Queryable, id: string, lock = false) => {
    const { rows } = await q.query<TicketRow>(
      `SELECT * FROM tickets WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ? rowToTicket(rows[0]) : undefined;
  };

  const mustGet = async (q: Queryable, id: string, lock = false) => {
    const t = await getOn(q, id, lock);
    if (!t) throw notFound(id);
    return t;
  };

  /**
   * With `run`, the write is fenced to that attempt in the statement itself: it applies only while
   * the attempt is the newest and the ticket is live, so nothing can slip in between a check and it.
   */
  const updateOn = async (q: Queryable, id: string, patch: Record<string, unknown>, run?: number) => {
    const params: unknown[] = [id];
    const sets = patchSets(patch, params);
    let guard = '';
    if (run !== undefined) {
      params.push(run);
      guard = ` AND run = $${params.length} AND status IN ('queued', 'running')`;
    } else if (patch.status === 'running') {
      // Moving to `running` never revives a ticket that was cancelled (or settled) meanwhile.
      guard = ` AND status IN ('queued', 'running')`;
    }
    const { rows } = await q.query<TicketRow>(
      `UPDATE tickets SET ${sets.join(', ')} WHERE id = $1${guard} RETURNING *`,
      params,
    );
    if (rows[0]) return rowToTicket(rows[0]);
    if (run !== undefined) throw await refusal(q, id, run);
    if (guard) return mustGet(q, id);
    throw notFound(id);
  };

  /** With `run`, the row lock waits out a concurrent startAttempt, so a superseded event never lands. */
  const appendOn = async (q: Queryable, id: string, event: TicketEvent, run?: number) => {
    if (run === undefined) {
      const { rows } = await q.query<{ seq: string | number }>(
        'INSERT INTO ticket_events (ticket_id, type, event) VALUES ($1, $2, $3::jsonb) RETURNING seq',
        [id, event.type, JSON.stringify(event)],
      );
      return Number(rows[0]?.seq);
    }
    const { rows } = await q.query<{ seq: string | number }>(
      `INSERT INTO ticket_events (ticket_id, type, event)
       SELECT $1, $2, $3::jsonb WHERE EXISTS (SELECT 1 FROM tickets WHERE id = $1 AND run = $4 FOR SHARE)
       RETURNING seq`,
      [id, event.type, JSON.stringify(event), run],
    );
    if (!rows[0]) throw await refusal(q, id, run);
    return Number(rows[0].seq);
  };

  const enqueue = async (tx: Queryable, id: string, priority: number) => {
    if (!opts.queue) return;
    const jobId = await opts.queue.send(id, { priority, tx });
    await tx.query('UPDATE tickets SET job_id = $2 WHERE id = $1', [id, jobId]);
  };

  const store: SqlTicketStore = {
    db,

    async submit(input: SubmitInput, submitOpts: { enqueue?: boolean } = {}): Promise<SubmitResult> {
      const priority = input.priority ?? 100;
      const event = stamp({ type: 'status', status: 'queued' });
      const out = await db.transaction(async (tx) => {
        const id = newTicketId();
        const { rows } = await tx.query<TicketRow>(
          `INSERT INTO tickets (id, status, stage, target, source_key, priority, request, usage, timings)
           VALUES ($1, 'queued', 'queued', $2, $3, $4, $5::jsonb, $6::jsonb, '{}'::jsonb)
           ON CONFLICT (source_key) DO NOTHING RETURNING *`,
          [
            id,
            input.target ?? opts.defaultTarget ?? 'datadesk',
            input.request.sourceKey ?? null,
            priority,
            JSON.stringify(input.request),
            JSON.stringify(emptyUsage()),
          ],
        );
        if (!rows[0]) {
          const existing = await tx.query<TicketRow>('SELECT * FROM tickets WHERE source_key = $1', [
            input.request.sourceKey,
          ]);
          return { ticket: rowToTicket(existing.rows[0]!), created: false, seq: undefined };
        }
        if (submitOpts.enqueue !== false) await enqueue(tx, id, priority);
        const seq = await appendOn(tx, id, event);
        return { ticket: rowToTicket(rows[0]), created: true, seq };
      });
      if (out.created) await changed(out.ticket, event, out.seq);
      return { ticket: out.ticket, created: out.created };
    },

    get: (id) => getOn(db, id),

    async findBySourceKey(key) {
      const { rows } = await db.query<TicketRow>('SELECT * FROM tickets WHERE source_key = $1', [key]);
      return rows[0] ? rowToTicket(rows[0]) : undefined;
    },

    async list(o: ListOptions = {}) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (o.status?.length) {
        params.push(o.status);
        where.push(`status = ANY($${params.length}::text[])`);
      }
      if (o.target) {
        params.push(o.target);
        where.push(`target = $${params.length}`);
      }
      if (o.before) {
        params.push(o.before);
        where.push(`id < $${params.length}`);
      }
      params.push(Math.min(Math.max(o.limit ?? 50, 1), 1000));
      const { rows } = await db.query<TicketRow>(
        `SELECT * FROM tickets ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`,
        params,
      );
      return rows.map(rowToTicket);
    },

    async position(id) {
      const { rows } = await db.query<{ pos: string | number }>(
        `SELECT (SELECT count(*) FROM tickets o WHERE o.status = 'queued'
                   AND (o.priority < t.priority OR (o.priority = t.priority AND o.id < t.id))) + 1 AS pos
         FROM tickets t WHERE t.id = $1 AND t.status = 'queued'`,
        [id],
      );
      return rows[0] ? Number(rows[0].pos) : undefined;
    },

    async startAttempt(id, extra = {}) {
      const params: unknown[] = [id];
      const scripted = extra.scripted === undefined ? '' : `, scripted = $${params.push(extra.scripted)}`;
      const { rows } = await db.query<TicketRow>(
        `UPDATE tickets SET attempts = attempts + 1, run = run + 1, status = 'running', error = NULL,
           updated_at = now()${scripted}
         WHERE id = $1 AND status IN ('queued', 'running') RETURNING *`,
        params,
      );
      if (!rows[0]) {
        await mustGet(db, id);
        return undefined;
      }
      const ticket = rowToTicket(rows[0]);
      await changed(ticket);
      return ticket;
    },

    async update(id, patch, fence = {}) {
      const ticket = await updateOn(db, id, patch as Record<string, unknown>, fence.run);
      await changed(ticket);
      return ticket;
    },

    async recordPublished(id, published, fence) {
      const { pr, ...push } = published;
      const record = { ...push, run: fence.run, at: new Date().toISOString() };
      const params: unknown[] = [id, fence.run, JSON.stringify(record)];
      const setPr = pr ? `, pr = $${params.push(JSON.stringify(pr))}::jsonb` : '';
      // Fenced on the attempt only: a push that landed after a cancel is still a fact to record.
      const { rows } = await db.query<TicketRow>(
        `UPDATE tickets SET published = $3::jsonb${setPr}, updated_at = now()
         WHERE id = $1 AND run = $2 RETURNING *`,
        params,
      );
      if (!rows[0]) throw await refusal(db, id, fence.run);
      const ticket = rowToTicket(rows[0]);
      await changed(ticket);
      return ticket;
    },

    async append(id, event, fence = {}) {
      const seq = await appendOn(db, id, event, fence.run);
      const ticket = listeners.size > 0 || db.kind === 'postgres' ? await getOn(db, id) : undefined;
      if (ticket) await changed(ticket, event, seq);
    },

    async timeline(id, afterSeq = 0) {
      const { rows } = await db.query<{ seq: string | number; ticket_id: string; event: TicketEvent }>(
        'SELECT seq, ticket_id, event FROM ticket_events WHERE ticket_id = $1 AND seq > $2 ORDER BY seq',
        [id, afterSeq],
      );
      return rows.map((r): TimelineEntry => ({ seq: Number(r.seq), ticketId: r.ticket_id, event: r.event }));
    },

    async clarify(id, text) {
      const ticket = await db.transaction(async (tx) => {
        const t = await mustGet(tx, id, true);
        const request = { ...t.request, clarifications: [...(t.request.clarifications ?? []), text] };
        return updateOn(tx, id, { request });
      });
      await changed(ticket);
      await store.append(id, stamp({ type: 'log', level: 'info', text: `Clarification: ${text}` }));
    },

    async setSlackStatusTs(id, statusTs) {
      const ticket = await db.transaction(async (tx) => {
        const t = await mustGet(tx, id, true);
        const slack = t.request.slack;
        if (!slack || slack.statusTs === statusTs) return undefined;
        return updateOn(tx, id, { request: { ...t.request, slack: { ...slack, statusTs } } });
      });
      if (ticket) await changed(ticket);
    },

    async cancel(id, reason = 'cancelled by a user') {
      const out = await db.transaction(async (tx) => {
        const t = await mustGet(tx, id, true);
        if (isTerminal(t.status)) return { ticket: t, changed: false, jobId: undefined };
        const { rows } = await tx.query<{ job_id: string | null }>(
          'SELECT job_id FROM tickets WHERE id = $1',
          [id],
        );
        // A running ticket's pipeline sees this status at its next poll and stops.
        const ticket = await updateOn(tx, id, {
          status: 'cancelled',
          error: { code: ErrorCode.Cancelled, message: reason },
        });
        return { ticket, changed: true, jobId: rows[0]?.job_id ?? undefined };
      });
      if (!out.changed) return out.ticket;
      // A cancelled job is never retried, even if its worker dies before noticing.
      if (out.jobId && opts.queue) await opts.queue.cancel(out.jobId).catch(() => {});
      await changed(out.ticket);
      await store.append(id, stamp({ type: 'status', status: 'cancelled' }));
      return out.ticket;
    },

    async retry(id) {
      const ticket = await db.transaction(async (tx) => {
        const t = await mustGet(tx, id, true);
        if (!isTerminal(t.status) || t.status === 'pr_opened') {
          throw new CodedError(
            ErrorCode.BadRequest,
            `ticket ${id} is ${t.status}; only failed, rejected or cancelled tickets can be retried`,
          );
        }
        const { rows } = await tx.query<{ priority: number }>('SELECT priority FROM tickets WHERE id = $1', [
          id,
        ]);
        // The attempts before the retry are stale from now on, even before the next one starts. A
        // refused change is not adopted by the next attempt; any other push is (it happened).
        const forget = t.status === 'rejected' ? ', published = NULL' : '';
        await tx.query(`UPDATE tickets SET run = run + 1${forget} WHERE id = $1`, [id]);
        const updated = await updateOn(tx, id, {
          status: 'queued',
          stage: 'queued',
          error: undefined,
          attempts: 0,
        });
        await enqueue(tx, id, Number(rows[0]?.priority ?? 100));
        return updated;
      });
      await changed(ticket);
      await store.append(id, stamp({ type: 'status', status: 'queued' }));
      return ticket;
    },

    async counts() {
      const { rows } = await db.query<{ status: TicketStatus; n: string | number }>(
        'SELECT status, count(*) AS n FROM tickets GROUP BY status',
      );
      const out = Object.fromEntries(ALL_STATUSES.map((s) => [s, 0])) as Record<TicketStatus, number>;
      for (const r of rows) out[r.status] = Number(r.n);
      return out;
    },

    async countsByTarget() {
      const { rows } = await db.query<{ target: string; status: TicketStatus; n: string | number }>(
        'SELECT target, status, count(*) AS n FROM tickets GROUP BY target, status',
      );
      const out: Record<string, Record<TicketStatus, number>> = {};
      for (const r of rows) {
        out[r.target] ??= Object.fromEntries(ALL_STATUSES.map((s) => [s, 0])) as Record<TicketStatus, number>;
        out[r.target]![r.status] = Number(r.n);
      }
      return out;
    },

    async jobId(id) {
      const { rows } = await db.query<{ job_id: string | null }>('SELECT job_id FROM tickets WHERE id = $1', [
        id,
      ]);
      return rows[0]?.job_id ?? undefined;
    },

    subscribe(listener) {
      listeners.add(listener);
      if (db.kind === 'postgres' && !unlisten) {
        // One at a time, so subscribers see another process's changes in the order they happened.
        unlisten = db.listen(CHANNEL, (payload) => {
          remoteChain = remoteChain.then(() => onRemote(payload));
        });
        unlisten.catch(() => (unlisten = undefined));
      }
      return () => {
        listeners.delete(listener);
      };
    },

    async close() {
      listeners.clear();
      if (unlisten) await (await unlisten.catch(() => async () => {}))();
    },
  };

  /** A change made by another process: load it and fan it out here. */
  const onRemote = async (payload: string) => {
    try {
      const msg = JSON.parse(payload) as { o: string; id: string; seq?: number };
      if (msg.o === origin || listeners.size === 0) return;
      const ticket = await getOn(db, msg.id);
      if (!ticket) return;
      let event: TicketEvent | undefined;
      if (msg.seq) {
        const { rows } = await db.query<{ event: TicketEvent }>(
          'SELECT event FROM ticket_events WHERE seq = $1',
          [msg.seq],
        );
        event = rows[0]?.event;
      }
      emit(ticket, event);
    } catch {
      // A malformed or stale notification is skipped; the next change brings the ticket up to date.
    }
  };

  return store;
}
