/** Socket Mode: Bolt's real SocketModeReceiver against a local WebSocket speaking Slack's envelopes. */
import { afterEach, describe, expect, it } from 'vitest';
import { eventBody, reaction, startHarness, type Harness } from './helpers/harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('Slack Socket Mode', () => {
  it('opens the connection at SLACK_API_URL, acks envelopes and queues the ticket', async () => {
    h = await startHarness({}, { mode: 'socket' });
    expect(h.slack.mode).toBe('socket');
    expect(h.slack.mount).toBeUndefined();
    await h.fake.socketConnected();
    // apps.connections.open went to the fake with the app-level token, not the bot token.
    expect(h.fake.callsOf('apps.connections.open')).toEqual([
      expect.objectContaining({ status: 200, error: undefined }),
    ]);

    const ts = h.fake.addMessage('C1', { user: 'UAUTHOR', text: 'add a csv export button' });
    const ackMs = await h.fake.sendSocketEvent(eventBody(reaction('UREACT', 'C1', ts), 'EvS1'));
    expect(ackMs).toBeLessThan(3000);
    // A redelivery of the same event gives nothing new.
    await h.fake.sendSocketEvent(eventBody(reaction('UREACT', 'C1', ts), 'EvS1'));
    await h.slack.idle();
    const tickets = [...h.store.tickets.values()];
    expect(tickets).toHaveLength(1);
    expect(tickets[0]?.request).toMatchObject({
      text: 'add a csv export button',
      requester: 'UAUTHOR',
      trigger: 'UREACT',
    });
    expect(h.fake.botReplies('C1', ts)).toHaveLength(1);
  });
});
