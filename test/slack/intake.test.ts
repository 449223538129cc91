/** Intake end to end: signed events in, tickets (or polite refusals) out, against the fake Slack. */
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_REQUEST_CHARS } from '../../src/slack/text.ts';
import { reaction, startHarness, type Harness } from './helpers/harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const tickets = (x: Harness) => [...x.store.tickets.values()];

describe('reaction intake', () => {
  it('gives one ticket for two reactors, a repeated reaction and a Slack retry', async () => {
    h = await startHarness();
    const ts = h.fake.addMessage('C1', { user: 'UAUTHOR', text: 'sort the orders table' });
    await h.send(reaction('UREACT', 'C1', ts), { eventId: 'Ev1' });
    await h.send(reaction('UREACT', 'C1', ts), { eventId: 'Ev1', retryNum: 1 });
    await h.send(reaction('UOTHER', 'C1', ts), { eventId: 'Ev2' });
    await h.send(reaction('UREACT', 'C1', ts), { eventId: 'Ev3' });
    await h.slack.idle();
    expect(tickets(h)).toHaveLength(1);
    expect(h.fake.callsOf('chat.postMessage')).toHaveLength(1);
    expect(h.fake.reactionNames('C1', ts)).toEqual(['eyes']);
    const [status] = h.fake.botReplies('C1', ts);
    expect(status?.text).toContain('queued');
  });

  it('ignores other emoji and accepts skin-tone variants of the trigger', async () => {
    h = await startHarness({ triggerEmoji: 'thumbsup' });
    const ts = h.fake.addMessage('C1', { user: 'UAUTHOR', text: 'add a dark mode' });
    await h.send(reaction('UREACT', 'C1', ts, 'robot_face'));
    await h.slack.idle();
    expect(tickets(h)).toHaveLength(0);
    await h.send(reaction('UREACT', 'C1', ts, 'thumbsup::skin-tone-3'));
    await h.slack.idle();
    expect(tickets(h)).toHaveLength(1);
  });

  it('queues a thread reply, fetched from its thread, with the thread recorded', async () => {
    h = await startHarness();
    const parent = h.fake.addMessage('C1', { user: 'UOTHER', text: 'the orders page' });
    const ts = h.fake.addMessage('C1', {
      user: 'UAUTHOR',
      text: 'make its table sortable',
      thread_ts: parent,
    });
    await h.send(reaction('UREACT', 'C1', ts));
    await h.slack.idle();
    const [t] = tickets(h);
    expect(t?.request.text).toBe('make its table sortable');
    expect(t?.request.slack).toMatchObject({ channel: 'C1', ts, threadTs: parent });
    expect(h.fake.callsOf('conversations.replies')).toHaveLength(1);
    // The status goes in the existing thread, not a new thread under the reply.
    expect(h.fake.botReplies('C1', parent)).toHaveLength(1);
  });

  it('refuses a channel or a user off the allowlists with an ephemeral message', async () => {
    h = await startHarness({ slackChannels: 'C1', slackUsers: 'UOK' });
    const inC2 = h.fake.addMessage('C2', { user: 'UAUTHOR', text: 'x' });
    const inC1 = h.fake.addMessage('C1', { user: 'UAUTHOR', text: 'y' });
    await h.send(reaction('UOK', 'C2', inC2));
    await h.send(reaction('UNOPE', 'C1', inC1));
    await h.slack.idle();
    expect(tickets(h)).toHaveLength(0);
    expect(h.fake.ephemerals.map((e) => [e.channel, e.user])).toEqual([
      ['C2', 'UOK'],
      ['C1', 'UNOPE'],
    ]);
    expect(h.fake.ephemerals[0]?.text).toContain('LOOPWRIGHT_SLACK_CHANNELS');
    expect(h.fake.ephemerals[1]?.text).toContain('LOOPWRIGHT_SLACK_USERS');
    await h.send(reaction('UOK', 'C1', inC1));
    await h.slack.idle();
    expect(tickets(h)).toHaveLength(1);
  });

  it('never takes a bot message unless bots are allowed', async () => {
    h = await startHarness();
    const ts = h.fake.addMessage('C1', { bot_id: 'BOTHER', subtype: 'bot_message', text: 'deploy finished' });
    await h.send(reaction('UREACT', 'C1', ts));
    await h.slack.idle();
    expect(tickets(h)).toHaveLength(0);
    expect(h.fake.ephemerals[0]?.text).toContain('bots');
    await h.close();

    h = await startHarness({ slackAllowBots: true });
    const ts2 = h.fake.addMessage('C1', {
      bot_id: 'BOTHER',
      subtype: 'bot_message',
      text: 'add a retry button',
    });
    const ours = h.fake.addMessage('C1', {
      bot_id: h.fake.botId,
      user: h.fake.botUserId,
      text: 'Loopwright: queued',
    });
    await h.send(reaction('UREACT', 'C1', ts2));
    await h.send(reaction('UREACT', 'C1', ours));
    await h.slack.idle();
    expect(tickets(h).map((t) => t.request.text)).toEqual(['add a retry button']);
  });

  it('refuses an empty message and one with only an image; names files next to text', async () => {
    h = await startHarness();
    const empty = h.fake.addMessage('C1', { user: 'UAUTHOR', text: '' });
    const image = h.fake.addMessage('C1', {
      user: 'UAUTHOR',
      text: '',
      files: [{ name: 'mock.png', mimetype: 'image/png' }],
    });
    const both = h.fake.addMessage('C1', {
      user: 'UAUTHOR',
      text: 'make the chart look like this',
      files: [{ name: 'mock.png', mimetype: 'image/png' }],
    });
    for (const ts of [empty, image, both]) await h.send(reaction('UREACT', 'C1', ts));
    await h.slack.idle();
    expect(tickets(h)).toHaveLength(1);
    expect(tickets(h)[0]?.request.text).toBe(
      'make the chart look like this\n\nAttached files (not fetched): mock.png (image/png)',
    );
    expect(h.fake.ephemerals.map((e) => e.text)).toEqual([
      expect.stringContaining('no text'),
      expect.stringContaining('cannot see them'),
    ]);
  });

  it('truncates a 40,000-character message with a notice in the ticket and the thread', async () => {
    h = await startHarness();
    const ts = h.fake.addMessage('C1', { user: 'UAUTHOR', text: '🙂'.repeat(40_000) });
    await h.send(reaction('UREACT', 'C1', ts));
    await h.slack.idle();
    const text = tickets(h)[0]?.request.text ?? '';
    expect(text.startsWith('🙂'.repeat(MAX_REQUEST_CHARS) + '\n\n[Request truncated')).toBe(true);
    expect(text).toContain('40,000 characters');
    expect(JSON.stringify(h.fake.botReplies('C1', ts)[0]?.blocks)).toContain('only its beginning was used');
  });

  it('keeps code blocks and unicode, and decodes entities and link syntax', async () => {
    h = await startHarness();
    const raw =
      'Hey <@U123>, in <#C9|frontend> the filter `a &lt; b &amp;&amp; c &gt; d` breaks — see <https://x.test/t?a=1&amp;b=2|the ticket> ' +
      'and <https://x.test/plain>. ```\nif (x &lt; 3) { return "ünïcødé ✓"; }\n``` <!here>';
    const ts = h.fake.addMessage('C1', { user: 'UAUTHOR', text: raw });
    await h.send(reaction('UREACT', 'C1', ts));
    await h.slack.idle();
    expect(tickets(h)[0]?.request.text).toBe(
      'Hey @U123, in #frontend the filter `a < b && c > d` breaks — see the ticket (https://x.test/t?a=1&b=2) ' +
        'and https://x.test/plain. ```\nif (x < 3) { return "ünïcødé ✓"; }\n``` @here',
    );
  });

  it('explains when the message cannot be read', async () => {
    h = await startHarness();
    h.fake.addMessage('C1', { user: 'UAUTHOR', text: 'x' });
    h.fake.failNext('conversations.history', { error: 'channel_not_found' });
    await h.send(reaction('UREACT', 'C1', '1.000001'));
    await h.slack.idle();
    expect(tickets(h)).toHaveLength(0);
    expect(h.fake.ephemerals[0]?.text).toContain('channel_not_found');
  });

  it('cancels a queued ticket when its trigger reaction is removed, not when someone else removes theirs', async () => {
    h = await startHarness();
    const ts = h.fake.addMessage('C1', { user: 'UAUTHOR', text: 'add csv export' });
    await h.send(reaction('UREACT', 'C1', ts));
    await h.slack.idle();
    await h.send(reaction('UOTHER', 'C1', ts, 'robot_face', 'reaction_removed'));
    await h.slack.idle();
    expect(tickets(h)[0]?.status).toBe('queued');
    await h.send(reaction('UREACT', 'C1', ts, 'robot_face', 'reaction_removed'));
    await h.slack.idle();
    expect(tickets(h)[0]?.status).toBe('cancelled');
    expect(h.fake.botReplies('C1', ts)[0]?.text).toContain('cancelled');
    expect(h.fake.reactionNames('C1', ts)).toEqual([]);
  });

  it('does not cancel a ticket that already started', async () => {
    h = await startHarness();
    const ts = h.fake.addMessage('C1', { user: 'UAUTHOR', text: 'add csv export' });
    await h.send(reaction('UREACT', 'C1', ts));
    await h.slack.idle();
    const id = tickets(h)[0]?.id ?? '';
    await h.store.advance(id, { status: 'running', stage: 'coding' });
    await h.send(reaction('UREACT', 'C1', ts, 'robot_face', 'reaction_removed'));
    await h.slack.idle();
    expect(tickets(h)[0]?.status).toBe('running');
    expect(h.fake.ephemerals.at(-1)?.text).toContain('already being worked on');
  });
});

describe('mention intake', () => {
  it('queues the text of a mention, mention stripped', async () => {
    h = await startHarness();
    const ts = h.fake.addMessage('C1', { user: 'UAUTHOR', text: '<@UBOT> make the orders table sortable' });
    await h.send({
      type: 'app_mention',
      user: 'UAUTHOR',
      text: '<@UBOT> make the orders table sortable',
      ts,
      channel: 'C1',
    });
    await h.slack.idle();
    expect(tickets(h)[0]?.request).toMatchObject({
      text: 'make the orders table sortable',
      requester: 'UAUTHOR',
      sourceKey: `slack:C1:${ts}`,
    });
    expect(h.fake.botReplies('C1', ts)).toHaveLength(1);
  });

  it('queues the parent of a thread on a bare mention inside it', async () => {
    h = await startHarness();
    const parent = h.fake.addMessage('C1', { user: 'UAUTHOR', text: 'the legend should toggle lines' });
    const ts = h.fake.addMessage('C1', { user: 'UREACT', text: '<@UBOT>', thread_ts: parent });
    await h.send({
      type: 'app_mention',
      user: 'UREACT',
      text: '<@UBOT>',
      ts,
      thread_ts: parent,
      channel: 'C1',
    });
    // The same reply also arrives as a message event; it must not add anything.
    await h.send({
      type: 'message',
      user: 'UREACT',
      text: '<@UBOT>',
      ts,
      thread_ts: parent,
      channel: 'C1',
      channel_type: 'channel',
    });
    await h.slack.idle();
    expect(tickets(h)).toHaveLength(1);
    expect(tickets(h)[0]?.request).toMatchObject({
      text: 'the legend should toggle lines',
      requester: 'UAUTHOR',
      trigger: 'UREACT',
    });
  });

  it('asks for words on a bare top-level mention', async () => {
    h = await startHarness();
    const ts = h.fake.addMessage('C1', { user: 'UAUTHOR', text: '<@UBOT>' });
    await h.send({ type: 'app_mention', user: 'UAUTHOR', text: '<@UBOT>', ts, channel: 'C1' });
    await h.slack.idle();
    expect(tickets(h)).toHaveLength(0);
    expect(h.fake.ephemerals[0]?.text).toContain('Tell me what to change');
  });
});
