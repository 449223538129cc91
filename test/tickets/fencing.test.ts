/**
 * Stale attempts (issue 11): every write of an attempt carries its fencing token (`ticket.run`),
 * and the store refuses a write whose attempt was superseded or whose ticket was cancelled. These
 * drive the store and the worker the way a worker that lost its lease would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/errors.ts';
import { stamp } from '../../src/core/events.ts';
import type { Ticket } from '../../src/core/ticket.ts';
import type { Forge } from '../../src/forge/types.ts';
import { openTickets, type Tickets } from '../../src/tickets/index.ts';
import type { TicketStore } from '../../src/tickets/types.ts';
import { startWorker } from '../../src/tickets/worker.ts';
import { MemoryTicketStore } from '../helpers/memory-store.ts';
import { adminQuery, databaseUrl as dbUrlFor, runPostgresTests } from '../helpers/postgres.ts';
import { DirSandboxes, scriptedRunner, tempHome, testConfig } from './helpers.ts';

const pgReachable = await runPostgresTests();

const published = { commit: 'c0ffee', tree: 'feed01', branch: 'loopwright/x-fence' };

/** A store to attack: the in-memory one the web and Slack tests use must refuse the same writes. */
interface Subject {
  store: TicketStore;
  submit(text: string): Promise<Ticket>;
  close(): Promise<void>;
}

/** The SQL store on PGlite, or on a Postgres database of its own. */
async function openSql(postgres: boolean): Promise<Tickets & { cleanup(): Promise<void> }> {
  const tmp = tempHome('lw-fence-');
  const dbName = `lw_test_f_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
  let databaseUrl: string | undefined;
  if (postgres) {
    await adminQuery(`CREATE DATABASE ${dbName}`);
    databaseUrl = dbUrlFor(dbName);
  }
  const t = await openTickets(
    { home: tmp.home, databaseUrl, maxAttempts: 3, target: 'd' },
    { retryDelaySeconds: 1, leaseSeconds: 30 },
  );
  return Object.assign(t, {
    async cleanup() {
      await t.close();
      if (postgres) await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      tmp.cleanup();
    },
  });
}

const sql = (postgres: boolean) => async (): Promise<Subject> => {
  const t = await openSql(postgres);
  return {
    store: t.store,
    submit: async (text) =>
      (await t.store.submit({ request: { text, source: 'cli', requester: 'ana' } }, { enqueue: false }))
        .ticket,
    close: () => t.cleanup(),
  };
};

const subjects = [
  { name: 'PGlite', open: sql(false) },
  ...(pgReachable ? [{ name: 'Postgres', open: sql(true) }] : []),
  {
    name: 'the in-memory store',
    open: async (): Promise<Subject> => {
      const store = new MemoryTicketStore();
      return {
        store,
        submit: async (text) =>
          (await store.submit({ request: { text, source: 'cli', requester: 'ana' } })).ticket,
        close: () => store.close(),
      };
    },
  },
];

describe.each(subjects)('attempt fencing on $name', ({ open }) => {
  let subject: Subject;
  let store: TicketStore;
  beforeAll(async () => {
    subject = await open();
    store = subject.store;
  });
  afterAll(async () => {
    await subject?.close();
  });

  const submit = (text: string) => subject.submit(text);
  const start = async (id: string): Promise<Ticket> => {
    const started = await store.startAttempt(id);
    if (!started) throw new Error(`ticket ${id} may not run`);
    return started;
  };

  it('refuses an update from an attempt that was superseded', async () => {
    const ticket = await submit('stale update');
    const first = await start(ticket.id);
    // The first worker's lease expired and the job went to another worker.
    const second = await start(ticket.id);
    expect(second.run).toBe(first.run! + 1);
    await expect(
      store.update(ticket.id, { status: 'pr_opened', stage: 'done' }, { run: first.run }),
    ).rejects.toMatchObject({ code: ErrorCode.StaleAttempt });
    expect(await store.get(ticket.id)).toMatchObject({ status: 'running', run: second.run });
    const ok = await store.update(ticket.id, { stage: 'coding' }, { run: second.run });
    expect(ok.stage).toBe('coding');
  });

  it("refuses a superseded attempt's timeline event", async () => {
    const ticket = await submit('stale append');
    const first = await start(ticket.id);
    const second = await start(ticket.id);
    await expect(
      store.append(ticket.id, stamp({ type: 'log', level: 'info', text: 'from the stale attempt' }), {
        run: first.run,
      }),
    ).rejects.toMatchObject({ code: ErrorCode.StaleAttempt });
    await store.append(ticket.id, stamp({ type: 'log', level: 'info', text: 'from the live attempt' }), {
      run: second.run,
    });
    const texts = (await store.timeline(ticket.id)).map((e) => (e.event.type === 'log' ? e.event.text : ''));
    expect(texts).toContain('from the live attempt');
    expect(texts).not.toContain('from the stale attempt');
  });

  it('lets a cancel win over a settle that lands after it', async () => {
    const ticket = await submit('cancel vs settle');
    const attempt = await start(ticket.id);
    await store.cancel(ticket.id, 'not needed');
    await expect(
      store.update(ticket.id, { status: 'pr_opened', stage: 'done' }, { run: attempt.run }),
    ).rejects.toMatchObject({ code: ErrorCode.Cancelled });
    // A hand-back (back to the queue) loses the same way.
    await expect(
      store.update(ticket.id, { status: 'queued', stage: 'queued' }, { run: attempt.run }),
    ).rejects.toMatchObject({ code: ErrorCode.Cancelled });
    expect(await store.get(ticket.id)).toMatchObject({
      status: 'cancelled',
      error: { code: 'cancelled', message: 'not needed' },
    });
  });

  it('keeps the ticket cancelled or settled, never both, when cancel and settle race', async () => {
    for (let i = 0; i < 6; i++) {
      const ticket = await submit(`race ${i}`);
      const attempt = await start(ticket.id);
      const settle = () =>
        store.update(ticket.id, { status: 'pr_opened', stage: 'done' }, { run: attempt.run });
      const cancel = () => store.cancel(ticket.id, 'raced');
      // Either one may start first.
      const [settled, cancelled] =
        i % 2 === 0
          ? await Promise.allSettled([settle(), cancel()])
          : await Promise.allSettled([cancel(), settle()]).then(([c, s]) => [s, c] as const);
      const after = await store.get(ticket.id);
      // Whichever lands second sees the first: a cancel that took effect is never overwritten.
      if (cancelled.status === 'fulfilled' && cancelled.value.status === 'cancelled') {
        expect(settled).toMatchObject({ status: 'rejected', reason: { code: ErrorCode.Cancelled } });
        expect(after).toMatchObject({ status: 'cancelled', error: { message: 'raced' } });
      } else {
        expect(settled.status).toBe('fulfilled');
        expect(after?.status).toBe('pr_opened');
      }
    }
  });

  it('does not start an attempt on a cancelled or settled ticket', async () => {
    const ticket = await submit('cancelled before the claim');
    await store.cancel(ticket.id);
    expect(await store.startAttempt(ticket.id)).toBeUndefined();
    expect(await store.get(ticket.id)).toMatchObject({ status: 'cancelled', attempts: 0 });

    const done = await submit('settled before the claim');
    const attempt = await start(done.id);
    await store.update(done.id, { status: 'failed' }, { run: attempt.run });
    expect(await store.startAttempt(done.id)).toBeUndefined();
    expect(await store.get(done.id)).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('gives a manual retry the full attempt budget, and still fences attempts from before it', async () => {
    const ticket = await submit('retry budget');
    let last = await start(ticket.id);
    last = await start(ticket.id);
    last = await start(ticket.id);
    expect(last.attempts).toBe(3);
    await store.cancel(ticket.id);
    const retried = await store.retry(ticket.id);
    expect(retried).toMatchObject({ status: 'queued', attempts: 0 });
    const fresh = await start(ticket.id);
    expect(fresh.attempts).toBe(1);
    // The attempt cancelled before the retry has not noticed yet: its writes stay refused.
    await expect(store.update(ticket.id, { status: 'pr_opened' }, { run: last.run })).rejects.toMatchObject({
      code: ErrorCode.StaleAttempt,
    });
    expect((await store.get(ticket.id))?.status).toBe('running');
  });

  it('records a publish only for the live attempt, and keeps it across a retry', async () => {
    const ticket = await submit('publish record');
    const first = await start(ticket.id);
    const second = await start(ticket.id);
    await expect(store.recordPublished(ticket.id, published, { run: first.run! })).rejects.toMatchObject({
      code: ErrorCode.StaleAttempt,
    });
    expect((await store.get(ticket.id))?.published).toBeUndefined();

    const recorded = await store.recordPublished(ticket.id, published, { run: second.run! });
    expect(recorded.published).toMatchObject({ ...published, run: second.run });
    // The PR could not be opened after the push, and the attempts ran out.
    await store.update(ticket.id, { status: 'failed' }, { run: second.run });
    await store.retry(ticket.id);
    const again = await start(ticket.id);
    // The retry sees the publish and adopts it instead of rerunning the model.
    expect(again.published).toMatchObject({ ...published, run: second.run });
  });

  it('forgets the publish of a rejected change when a person retries it', async () => {
    const ticket = await submit('rejected draft');
    const attempt = await start(ticket.id);
    await store.recordPublished(ticket.id, published, { run: attempt.run! });
    await store.update(ticket.id, { status: 'rejected' }, { run: attempt.run });
    const retried = await store.retry(ticket.id);
    expect(retried.published).toBeUndefined();
  });
});

describe.each([
  { name: 'PGlite', postgres: false },
  ...(pgReachable ? [{ name: 'Postgres', postgres: true }] : []),
])('the worker on $name', ({ postgres }) => {
  let t: Tickets & { cleanup(): Promise<void> };
  const tmp = tempHome('lw-fence-w-');
  beforeAll(async () => {
    t = await openSql(postgres);
  });
  afterAll(async () => {
    await t?.cleanup();
    tmp.cleanup();
  });

  it('completes, once, the job of a ticket that is gone', async () => {
    const { ticket } = await t.store.submit({ request: { text: 'deleted', source: 'cli', requester: 'a' } });
    const jobId = await t.store.jobId(ticket.id);
    await t.db.query('DELETE FROM tickets WHERE id = $1', [ticket.id]);
    const config = testConfig(tmp.home);
    const worker = await startWorker({
      store: t.store,
      queue: t.queue,
      // The run ends at the missing ticket, before it could reach a forge or a sandbox.
      pipeline: {
        config,
        forge: {} as Forge,
        sandboxes: new DirSandboxes(tmp.home, () => tmp.home),
        runLoop: scriptedRunner(),
        evidenceUrl: () => '',
      },
      concurrency: 1,
      pollMs: 50,
    });
    const job = async () =>
      (
        await t.db.query<{ state: string; retry_count: number }>(
          'SELECT state, retry_count FROM pgboss.job WHERE id::text = $1',
          [jobId],
        )
      ).rows[0];
    try {
      for (let i = 0; i < 150; i++) {
        const j = await job();
        if (j && (j.state === 'completed' || j.state === 'failed')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      // Give a wrongly retried job time to come back.
      await new Promise((r) => setTimeout(r, 2500));
      expect(await job()).toMatchObject({ state: 'completed', retry_count: 0 });
    } finally {
      await worker.stop({ graceMs: 500 });
    }
  });
});
