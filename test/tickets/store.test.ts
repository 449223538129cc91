import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stamp } from '../../src/core/events.ts';
import { TICKET_ID_RE, newTicketId } from '../../src/tickets/ids.ts';
import { openTickets, type Tickets } from '../../src/tickets/index.ts';
import { adminQuery, databaseUrl as dbUrlFor, runPostgresTests } from '../helpers/postgres.ts';

const request = (text: string, sourceKey?: string) => ({
  text,
  source: 'cli' as const,
  requester: 'ana',
  ...(sourceKey ? { sourceKey } : {}),
});

const pgReachable = await runPostgresTests();

const backends = [
  { name: 'PGlite', postgres: false },
  { name: 'Postgres', postgres: true },
].filter((b) => !b.postgres || pgReachable);

describe.each(backends)('ticket store on $name', ({ postgres }) => {
  let home: string;
  let t: Tickets;
  const dbName = `lw_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
  beforeAll(async () => {
    home = mkdtempSync(path.join(os.tmpdir(), 'lw-store-'));
    let databaseUrl: string | undefined;
    if (postgres) {
      await adminQuery(`CREATE DATABASE ${dbName}`);
      databaseUrl = dbUrlFor(dbName);
    }
    t = await openTickets({ home, databaseUrl, maxAttempts: 3, target: 'datadesk' });
  });
  afterAll(async () => {
    await t?.close();
    if (postgres) await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    rmSync(home, { recursive: true, force: true });
  });

  it('makes short, sortable, URL-safe ids', () => {
    const a = newTicketId(1_700_000_000_000);
    const b = newTicketId(1_700_000_000_001);
    expect(a).toMatch(TICKET_ID_RE);
    expect(a < b).toBe(true);
  });

  it('takes the same source key once (exactly-once intake)', async () => {
    const first = await t.store.submit({ request: request('hide a legend line', 'slack:C1:1700.1') });
    const second = await t.store.submit({ request: request('hide a legend line', 'slack:C1:1700.1') });
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.ticket.id).toBe(first.ticket.id);
    const all = await t.store.list({ limit: 100 });
    expect(all.filter((x) => x.request.sourceKey === 'slack:C1:1700.1')).toHaveLength(1);
    expect(await t.store.findBySourceKey('slack:C1:1700.1')).toMatchObject({ id: first.ticket.id });
  });

  it('orders the queue by priority then age, and the queue hands out jobs in that order', async () => {
    // Drain what other tests queued so the order below is this test's alone.
    for (let job = await t.queue.fetch(); job; job = await t.queue.fetch()) await t.queue.complete(job);
    const low = await t.store.submit({ request: request('low') });
    const urgent = await t.store.submit({ request: request('urgent'), priority: 10 });
    expect(await t.store.position(urgent.ticket.id)).toBeLessThan((await t.store.position(low.ticket.id))!);
    const j1 = await t.queue.fetch();
    const j2 = await t.queue.fetch();
    expect(j1?.ticketId).toBe(urgent.ticket.id);
    expect(j2?.ticketId).toBe(low.ticket.id);
    expect(await t.queue.fetch()).toBeUndefined();
    expect(await t.queue.heartbeat(j1!)).toBe(true);
    expect(await t.queue.complete(j1!)).toBe(true);
    // Settled jobs are no longer ours: a stale worker cannot settle them again.
    expect(await t.queue.complete(j1!)).toBe(false);
    expect(await t.queue.heartbeat(j1!)).toBe(false);
    await t.queue.complete(j2!);
  });

  it('updates, appends to the timeline, cancels, retries and counts', async () => {
    const { ticket } = await t.store.submit({ request: request('add a CSV export') });
    const seen: string[] = [];
    const off = t.store.subscribe((c) => seen.push(c.event?.type ?? 'update'));
    const updated = await t.store.update(ticket.id, {
      status: 'running',
      stage: 'coding',
      timings: { preparingMs: 5 },
      attempts: 1,
    });
    expect(updated).toMatchObject({
      status: 'running',
      stage: 'coding',
      attempts: 1,
      timings: { preparingMs: 5 },
    });
    await t.store.append(ticket.id, stamp({ type: 'stage', stage: 'coding' }));
    await t.store.clarify(ticket.id, 'only on the revenue page');
    const timeline = await t.store.timeline(ticket.id);
    expect(timeline.map((e) => e.event.type)).toEqual(['status', 'stage', 'log']);
    expect((await t.store.timeline(ticket.id, timeline[1]!.seq)).length).toBe(1);
    expect((await t.store.get(ticket.id))?.request.clarifications).toEqual(['only on the revenue page']);

    const cancelled = await t.store.cancel(ticket.id, 'not needed');
    expect(cancelled).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
    const retried = await t.store.retry(ticket.id);
    expect(retried.status).toBe('queued');
    expect(retried.error).toBeUndefined();
    await expect(t.store.retry(ticket.id)).rejects.toMatchObject({ code: 'bad_request' });
    off();
    expect(seen).toContain('stage');
    expect(seen).toContain('update');
    const counts = await t.store.counts();
    expect(counts.queued).toBeGreaterThanOrEqual(1);
    expect(Object.keys(counts).sort()).toEqual([
      'cancelled',
      'failed',
      'pr_opened',
      'queued',
      'rejected',
      'running',
    ]);
    await t.store.submit({ target: 'notebooks', request: request('a notebooks change') });
    const byTarget = await t.store.countsByTarget();
    expect(byTarget.notebooks).toEqual({
      queued: 1,
      running: 0,
      pr_opened: 0,
      failed: 0,
      rejected: 0,
      cancelled: 0,
    });
    const all = await t.store.counts();
    for (const status of Object.keys(all) as (keyof typeof all)[])
      expect(Object.values(byTarget).reduce((n, c) => n + c[status], 0)).toBe(all[status]);
    expect(await t.store.get('t_nope')).toBeUndefined();
  });

  it('keeps a clarification and the Slack status ts when both land at once', async () => {
    const { ticket } = await t.store.submit({
      request: {
        ...request('sortable orders table'),
        source: 'slack',
        slack: { channel: 'C1', ts: '1700.2' },
      },
    });
    await Promise.all([
      t.store.setSlackStatusTs(ticket.id, '1700.3'),
      t.store.clarify(ticket.id, 'newest first'),
      t.store.setSlackStatusTs(ticket.id, '1700.3'),
    ]);
    const after = await t.store.get(ticket.id);
    expect(after?.request.slack?.statusTs).toBe('1700.3');
    expect(after?.request.clarifications).toEqual(['newest first']);
  });

  it('lists newest first with a cursor and a status filter', async () => {
    const page1 = await t.store.list({ limit: 2 });
    expect(page1).toHaveLength(2);
    expect(page1[0]!.id > page1[1]!.id).toBe(true);
    const page2 = await t.store.list({ limit: 2, before: page1[1]!.id });
    expect(page2[0]!.id < page1[1]!.id).toBe(true);
    const queued = await t.store.list({ status: ['queued'] });
    expect(queued.every((x) => x.status === 'queued')).toBe(true);
  });
});

describe.skipIf(!pgReachable)('ticket store across processes on Postgres', () => {
  it('fans changes out to subscribers of another connection (LISTEN/NOTIFY)', async () => {
    const dbName = `lw_test_n_${Date.now().toString(36)}`;
    await adminQuery(`CREATE DATABASE ${dbName}`);
    const databaseUrl = dbUrlFor(dbName);
    const home = mkdtempSync(path.join(os.tmpdir(), 'lw-store-'));
    const a = await openTickets({ home, databaseUrl, maxAttempts: 3, target: 'd' });
    const b = await openTickets({ home, databaseUrl, maxAttempts: 3, target: 'd' });
    try {
      const seen: string[] = [];
      b.store.subscribe((c) => seen.push(`${c.ticket.id}:${c.event?.type ?? 'update'}`));
      await new Promise((r) => setTimeout(r, 200));
      const { ticket } = await a.store.submit({ request: request('cross-process') });
      await a.store.append(ticket.id, stamp({ type: 'stage', stage: 'preparing' }));
      for (let i = 0; i < 50 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 100));
      expect(seen).toEqual([`${ticket.id}:status`, `${ticket.id}:stage`]);
    } finally {
      await a.close();
      await b.close();
      await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      rmSync(home, { recursive: true, force: true });
    }
  });
});
