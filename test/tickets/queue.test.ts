import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTickets, type Tickets } from '../../src/tickets/index.ts';
import { tempHome } from './helpers.ts';

describe('queue leases on PGlite (pg-boss through the executeSql adapter)', () => {
  const tmp = tempHome('lw-queue-');
  let t: Tickets;
  beforeAll(async () => {
    t = await openTickets(
      { home: tmp.home, maxAttempts: 3, target: 'd' },
      { leaseSeconds: 2, superviseSeconds: 1, retryDelaySeconds: 1 },
    );
  });
  afterAll(async () => {
    await t?.close();
    tmp.cleanup();
  });

  const waitFetch = async (ms: number) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      const job = await t.queue.fetch();
      if (job) return job;
      await new Promise((r) => setTimeout(r, 200));
    }
    return undefined;
  };

  it('keeps a heartbeating job, and hands an abandoned one to the next fetch as a retry', async () => {
    const { ticket } = await t.store.submit({ request: { text: 'lease', source: 'cli', requester: 'a' } });
    const held = await t.queue.fetch();
    expect(held).toMatchObject({ ticketId: ticket.id, retryCount: 0 });
    // Heartbeats past the lease keep it ours.
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 900));
      expect(await t.queue.heartbeat(held!)).toBe(true);
    }
    expect(await t.queue.fetch()).toBeUndefined();
    // Stop heartbeating (a dead worker): the supervisor expires it and it comes back as a retry.
    const retried = await waitFetch(15_000);
    expect(retried).toMatchObject({ id: held!.id, ticketId: ticket.id, retryCount: 1 });
    // The dead attempt can no longer settle or extend it.
    expect(await t.queue.heartbeat(held!)).toBe(false);
    expect(await t.queue.complete(held!)).toBe(false);
    expect(await t.queue.complete(retried!)).toBe(true);
  });

  it('does not hand out a cancelled ticket', async () => {
    const { ticket } = await t.store.submit({ request: { text: 'cancel', source: 'cli', requester: 'a' } });
    await t.store.cancel(ticket.id);
    expect(await t.queue.fetch()).toBeUndefined();
  });
});
