/** Intake end to end: signed events in, tickets (or polite refusals) out, against the fake Slack. */
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_REQUEST_CHARS } from '../../src/slack/text.ts';
import { misnamedTarget, withoutTargetPrefix } from '../../src/slack/routing.ts';
import { reaction, signedHeaders, startHarness, type Harness } from './helpers/harness.ts';

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

describe('routing among several targets', () => {
  // dashboards owns CDASH, notebooks owns CNOTES.
  const TARGETS = {
    targets: {
      dashboards: { repo: '/srv/dashboards', slackChannels: ['CDASH'] },
      notebooks: { repo: '/srv/notebooks', slackChannels: ['CNOTES'] },
    },
  };
  const mention = async (x: Harness, channel: string, words: string, user = 'UAUTHOR') => {
    const text = `<@UBOT> ${words}`;
    const ts = x.fake.addMessage(channel, { user, text });
    await x.send({ type: 'app_mention', user, text, ts, channel });
    await x.slack.idle();
    return ts;
  };
  const ticketOf = (x: Harness, ts: string) => tickets(x).find((t) => t.request.sourceKey?.endsWith(ts));

  it('reads a target prefix as a name only when it is one or nearly one', () => {
    const names = ['dashboards', 'notebooks'];
    expect(misnamedTarget('notebook: add a counter', names)).toBe('notebook');
    expect(misnamedTarget('Dashbaords: sort it', names)).toBe('Dashbaords');
    for (const text of [
      'notebooks: x',
      'Note: the legend overlaps',
      'Bug: it crashes',
      'Todo: later',
      'no prefix',
    ])
      expect(misnamedTarget(text, names)).toBeUndefined();
    expect(withoutTargetPrefix('notebook: add a counter', names)).toBe('add a counter');
    expect(withoutTargetPrefix('Note: the legend overlaps', names)).toBe('Note: the legend overlaps');
  });

  it('a mention naming a target beats the channel; without one the channel decides', async () => {
    h = await startHarness(TARGETS);
    const named = await mention(h, 'CDASH', 'notebooks: add a cell counter');
    expect(ticketOf(h, named)).toMatchObject({
      target: 'notebooks',
      request: { text: 'add a cell counter' },
    });
    const plain = await mention(h, 'CDASH', 'Note: the legend overlaps the chart');
    expect(ticketOf(h, plain)).toMatchObject({
      target: 'dashboards',
      request: { text: 'Note: the legend overlaps the chart' },
    });
  });

  it('a mention naming no target, in a mapped channel, is asked about, and the click queues it', async () => {
    h = await startHarness(TARGETS);
    const ts = await mention(h, 'CDASH', 'notebook: add a cell counter', 'UCAL');
    expect(ticketOf(h, ts)).toBeUndefined();
    const question = h.fake.botReplies('CDASH', ts)[0]!;
    expect(question.text).toBe(
      'There is no app called "notebook" here (the apps are dashboards, notebooks). Which app is this request for?',
    );
    const buttons = (
      question.blocks as { type: string; elements?: { value: string; text: { text: string } }[] }[]
    ).find((b) => b.type === 'actions')!.elements!;
    expect(buttons.map((b) => b.text.text)).toEqual(['dashboards', 'notebooks']);

    // The click, as Slack posts it: form-encoded `payload=`, signed, through Bolt's receiver.
    const payload = {
      type: 'block_actions',
      team: { id: 'T1', domain: 'fake' },
      user: { id: 'UCAL', username: 'cal', team_id: 'T1' },
      api_app_id: 'A1',
      token: 'legacy-verification-token',
      container: { type: 'message', message_ts: question.ts, channel_id: 'CDASH', is_ephemeral: false },
      trigger_id: '1.2.3',
      channel: { id: 'CDASH', name: 'dashboards' },
      message: { type: 'message', ts: question.ts, text: question.text, user: 'UBOT' },
      response_url: 'https://hooks.slack.invalid/actions/T1/1/x',
      actions: [
        {
          type: 'button',
          action_id: 'loopwright_target:notebooks',
          block_id: 'loopwright_target',
          text: { type: 'plain_text', text: 'notebooks' },
          value: buttons.find((b) => b.text.text === 'notebooks')!.value,
          action_ts: String(Date.now() / 1000),
        },
      ],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const res = await h.post(body, {
      ...signedHeaders(body),
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(200);
    await h.slack.idle();
    expect(ticketOf(h, ts)).toMatchObject({ target: 'notebooks', request: { text: 'add a cell counter' } });
  });
});
