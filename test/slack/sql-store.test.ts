/** Slack against the real SQL ticket store on embedded PGlite: intake, restart, cancel and requeue. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stamp } from '../../src/core/events.ts';
import { startSlack } from '../../src/slack/index.ts';
import { openPglite, type Db } from '../../src/tickets/db.ts';
import { migrate } from '../../src/tickets/migrations.ts';
import { createTicketStore, type SqlTicketStore } from '../../src/tickets/store.ts';
import { FAST_RETRY, reaction, startHarness, type Harness } from './helpers/harness.ts';
import type { MemoryTicketStore } from '../helpers/memory-store.ts';

describe('Slack with the SQL ticket store', () => {
  let dir: string;
  let db: Db;
  let store: SqlTicketStore;
  let h: Harness;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'lw-slack-'));
    db = await openPglite(path.join(dir, 'db'));
    await migrate(db);
    store = createTicketStore(db);
    // The harness only needs the port; the SQL store stands in for the memory one.
    h = await startHarness({}, { store: store as unknown as MemoryTicketStore });
  });
  afterEach(async () => {
    await h.close();
    await store.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('queues once, keeps the status ts across a restart, and passes replies on as clarifications', async () => {
    const ts = h.fake.addMessage('C1', { user: 'UAUTHOR', text: 'add a csv export button' });
    await Promise.all([h.send(reaction('UREACT', 'C1', ts)), h.send(reaction('UOTHER', 'C1', ts))]);
    await h.slack.idle();
    const [ticket] = await store.list();
    expect((await store.list()).length).toBe(1);
    const statusTs = ticket?.request.slack?.statusTs;
    expect(statusTs).toBe(h.fake.botReplies('C1', ts)[0]?.ts);

    // A new process picks the thread up from the store and updates the same message.
    await h.slack.close();
    h.slack = await startSlack({ config: h.config, store, retryConfig: FAST_RETRY });
    await store.update(ticket!.id, { status: 'running', stage: 'coding' });
    await store.append(ticket!.id, stamp({ type: 'stage', stage: 'coding' }));
    await h.slack.idle();
    expect(h.fake.botReplies('C1', ts)).toHaveLength(1);
    expect(JSON.stringify(h.fake.botReplies('C1', ts)[0]?.blocks)).toContain('Changing the code');

    const rts = h.fake.addMessage('C1', {
      user: 'UAUTHOR',
      text: 'put it next to the filter',
      thread_ts: ts,
    });
    await h.send({
      type: 'message',
      channel: 'C1',
      user: 'UAUTHOR',
      text: 'put it next to the filter',
      ts: rts,
      thread_ts: ts,
    });
    await h.slack.idle();
    expect((await store.get(ticket!.id))?.request.clarifications).toEqual(['put it next to the filter']);
    expect((await store.get(ticket!.id))?.request.slack?.statusTs).toBe(statusTs);
  });

  it('cancels on reaction removal and queues again on a new reaction', async () => {
    const ts = h.fake.addMessage('C1', { user: 'UAUTHOR', text: 'dark mode' });
    await h.send(reaction('UREACT', 'C1', ts));
    await h.slack.idle();
    await h.send(reaction('UREACT', 'C1', ts, 'robot_face', 'reaction_removed'));
    await h.slack.idle();
    const [t] = await store.list();
    expect(t?.status).toBe('cancelled');
    expect(h.fake.reactionNames('C1', ts)).toEqual([]);
    await h.send(reaction('UREACT', 'C1', ts));
    await h.slack.idle();
    expect((await store.get(t!.id))?.status).toBe('queued');
    expect(h.fake.reactionNames('C1', ts)).toEqual(['eyes']);
    expect(JSON.stringify(h.fake.botReplies('C1', ts)[0]?.blocks)).toContain('Queued');
  });
});
