/**
 * The ticket queue: pg-boss 11 on the store's database (DESIGN.md §3). Priorities, retries with
 * backoff, and a lease: a claimed job expires after `leaseSeconds` unless its worker heartbeats,
 * so a job held by a dead worker is failed by pg-boss's supervisor and retried by a live one.
 *
 * We fetch and settle jobs ourselves instead of `boss.work()`, because `work()` kills a handler at
 * `expireInSeconds`; a ticket may run for many minutes while its lease stays short.
 */
import { randomUUID } from 'node:crypto';
import PgBoss from 'pg-boss';
import type { Db, Queryable } from './db.ts';

export const QUEUE_NAME = 'loopwright-tickets';
const SCHEMA = 'pgboss';

export interface QueueOptions {
  /** How long a claimed job stays claimed without a heartbeat. */
  leaseSeconds?: number;
  /** Retries after the first attempt (config.maxAttempts - 1). */
  retryLimit?: number;
  retryDelaySeconds?: number;
  /** How often pg-boss's supervisor looks for expired leases. */
  superviseSeconds?: number;
}

export interface QueueJob {
  id: string;
  ticketId: string;
  /** 0 on the first attempt. */
  retryCount: number;
}

export interface TicketQueue {
  /** Enqueue within the caller's transaction when `tx` is given (the ticket row and job commit together). */
  send(ticketId: string, opts?: { priority?: number; tx?: Queryable }): Promise<string>;
  /** Claims the next job, highest priority (lowest number) first, if any. */
  fetch(): Promise<QueueJob | undefined>;
  /**
   * Extends the lease; false when the job is no longer ours (it expired and was handed to another
   * worker). A job keeps its id across retries, so "ours" means this id at this retry count.
   */
  heartbeat(job: QueueJob): Promise<boolean>;
  /** Settles the job as done (no retry). False when the job was no longer ours. */
  complete(job: QueueJob, output?: object): Promise<boolean>;
  /** Fails the job; pg-boss retries it with backoff while retries remain. False when not ours. */
  fail(job: QueueJob, error: { code: string; message: string }): Promise<boolean>;
  /** Cancels a job that is waiting or running (by id, whatever its attempt). */
  cancel(jobId: string): Promise<void>;
  readonly leaseSeconds: number;
  stop(): Promise<void>;
}

export async function createTicketQueue(db: Db, opts: QueueOptions = {}): Promise<TicketQueue> {
  const leaseSeconds = opts.leaseSeconds ?? 60;
  const superviseSeconds = opts.superviseSeconds ?? Math.max(1, Math.min(30, Math.floor(leaseSeconds / 3)));
  const boss = new PgBoss({
    db: { executeSql: (sql: string, values: unknown[]) => db.executeSql(sql, values) },
    schema: SCHEMA,
    schedule: false,
    superviseIntervalSeconds: superviseSeconds,
    monitorIntervalSeconds: superviseSeconds,
  });
  // pg-boss reports maintenance errors as events; an unhandled 'error' event would crash the process.
  boss.on('error', () => {});
  await boss.start();
  const queueOptions = {
    expireInSeconds: leaseSeconds,
    retryLimit: opts.retryLimit ?? 2,
    retryDelay: opts.retryDelaySeconds ?? 5,
    retryBackoff: true,
    retryDelayMax: 300,
  };
  if (!(await boss.getQueue(QUEUE_NAME))) {
    try {
      await boss.createQueue(QUEUE_NAME, { ...queueOptions });
    } catch {
      // Another process created it first.
    }
  }
  await boss.updateQueue(QUEUE_NAME, { ...queueOptions });
  // pg-boss looks a queue up (on its own connection) the first time it is used. Inside a PGlite
  // transaction that lookup would wait for the transaction forever, so warm the cache now.
  await boss.cancel(QUEUE_NAME, randomUUID());

  const txDb = (tx: Queryable) => ({
    executeSql: (sql: string, values: unknown[]) => tx.executeSql(sql, values),
  });

  /** Locks the job row and settles it only if this attempt still holds it. */
  const settleIfOurs = (job: QueueJob, settle: (tx: Queryable) => Promise<unknown>) =>
    db.transaction(async (tx) => {
      const { rows } = await tx.query(
        `SELECT 1 FROM ${SCHEMA}.job WHERE name = $1 AND id = $2 AND state = 'active' AND retry_count = $3 FOR UPDATE`,
        [QUEUE_NAME, job.id, job.retryCount],
      );
      if (rows.length === 0) return false;
      await settle(tx);
      return true;
    });

  return {
    leaseSeconds,
    async send(ticketId, sendOpts = {}) {
      const id = await boss.send(
        QUEUE_NAME,
        { ticketId },
        // pg-boss runs higher priorities first; the store's priority runs lower numbers first.
        { priority: -(sendOpts.priority ?? 100), ...(sendOpts.tx ? { db: txDb(sendOpts.tx) } : {}) },
      );
      if (!id) throw new Error('pg-boss did not accept the job');
      return id;
    },
    async fetch() {
      const [job] = await boss.fetch<{ ticketId: string }>(QUEUE_NAME, {
        batchSize: 1,
        includeMetadata: true,
      });
      if (!job) return undefined;
      return { id: job.id, ticketId: job.data.ticketId, retryCount: job.retryCount };
    },
    async heartbeat(job) {
      // pg-boss 11 has no touch(): moving started_on forward is what its expiry check reads.
      const r = await db.query(
        `UPDATE ${SCHEMA}.job SET started_on = now()
         WHERE name = $1 AND id = $2 AND state = 'active' AND retry_count = $3`,
        [QUEUE_NAME, job.id, job.retryCount],
      );
      return (r.affectedRows ?? 0) > 0;
    },
    complete: (job, output) =>
      settleIfOurs(job, (tx) => boss.complete(QUEUE_NAME, job.id, output ?? {}, { db: txDb(tx) })),
    fail: (job, error) => settleIfOurs(job, (tx) => boss.fail(QUEUE_NAME, job.id, error, { db: txDb(tx) })),
    async cancel(jobId) {
      await boss.cancel(QUEUE_NAME, jobId);
    },
    async stop() {
      await boss.stop({ graceful: false, close: false, wait: true });
    },
  };
}
