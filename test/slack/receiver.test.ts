/** The real Bolt HTTP receiver, mounted on Fastify, fed signed requests as Slack signs them. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reaction, signedHeaders, startHarness, type Harness } from './helpers/harness.ts';

describe('Slack HTTP receiver', () => {
  let h: Harness;
  let ts: string;
  beforeEach(async () => {
    h = await startHarness();
    ts = h.fake.addMessage('C1', { user: 'UAUTHOR', text: 'make the orders table sortable' });
  });
  afterEach(() => h.close());

  it('acks a validly signed event and queues one ticket', async () => {
    const res = await h.send(reaction('UREACT', 'C1', ts));
    expect(res.status).toBe(200);
    await h.slack.idle();
    expect(h.store.tickets.size).toBe(1);
    const [ticket] = [...h.store.tickets.values()];
    expect(ticket?.request).toMatchObject({
      text: 'make the orders table sortable',
      source: 'slack',
      requester: 'UAUTHOR',
      trigger: 'UREACT',
      sourceKey: `slack:C1:${ts}`,
      slack: { channel: 'C1', ts, permalink: expect.stringContaining('/archives/C1/p') },
    });
  });

  it('answers 401 to a bad signature and queues nothing', async () => {
    const res = await h.send(reaction('UREACT', 'C1', ts), { secret: 'not-the-secret-000000' });
    expect(res.status).toBe(401);
    await h.slack.idle();
    expect(h.store.tickets.size).toBe(0);
    expect(h.fake.callsOf('conversations.history')).toHaveLength(0);
  });

  it('answers 401 to a request older than five minutes', async () => {
    const res = await h.send(reaction('UREACT', 'C1', ts), {
      timestamp: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    expect(res.status).toBe(401);
    await h.slack.idle();
    expect(h.store.tickets.size).toBe(0);
  });

  it('answers 401 when the signature headers are missing', async () => {
    const res = await h.post(JSON.stringify({ type: 'url_verification', challenge: 'x' }), {});
    expect(res.status).toBe(401);
  });

  it('answers the url_verification challenge', async () => {
    const body = JSON.stringify({
      token: 't',
      challenge: 'c-3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
      type: 'url_verification',
    });
    const res = await h.post(body, signedHeaders(body));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      challenge: 'c-3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
    });
  });

  it('acks within 3 s even when the store is slow', async () => {
    h.store.delayMs = 4000;
    const res = await h.send(reaction('UREACT', 'C1', ts));
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(3000);
    h.store.delayMs = 0;
    await h.slack.idle();
  });
});
