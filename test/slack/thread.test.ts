/** The thread: one status message updated in place, reactions, replies, and Slack outages. */
import { afterEach, describe, expect, it } from 'vitest';
import type { Ticket } from '../../src/core/ticket.ts';
import { reaction, startHarness, waitFor, type Harness } from './helpers/harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function queued(x: Harness, text = 'make the orders table sortable') {
  const ts = x.fake.addMessage('C1', { user: 'UAUTHOR', text });
  await x.send(reaction('UREACT', 'C1', ts));
  await x.slack.idle();
  const ticket = [...x.store.tickets.values()].find((t) => t.request.slack?.ts === ts) as Ticket;
  return { ts, id: ticket.id };
}

const statusOf = (x: Harness, ts: string) => {
  const replies = x.fake.botReplies('C1', ts);
  expect(replies).toHaveLength(1);
  return { text: replies[0]?.text ?? '', blocks: JSON.stringify(replies[0]?.blocks) };
};

const done: Partial<Ticket> = {
  status: 'pr_opened',
  stage: 'done',
  pr: { url: 'https://github.test/acme/app/pull/7', number: 7, branch: 'loopwright/t1-sort', draft: false },
  result: { title: 'Sortable orders table', summary: 'Headers sort the table.' },
  evidence: {
    dir: '/data/evidence/t1',
    manifest: 'manifest.json',
    video: 'head.webm',
    gif: 'head.gif',
    screenshots: ['steps/01.png'],
    proof: { base: 'failed', head: ['passed', 'passed'] },
  },
  review: { verdict: 'approve', comments: [{ body: 'Small, tested change.' }] },
  timings: { totalMs: 185_000 },
};

describe('Slack thread', () => {
  it('posts one status message and updates it in place at each stage', async () => {
    h = await startHarness();
    const a = await queued(h, 'first');
    const b = await queued(h, 'second');
    expect(statusOf(h, b.ts).blocks).toContain('position 2 in line');
    expect(statusOf(h, a.ts).blocks).toContain('http://127.0.0.1:4700/tickets/t1');

    await h.store.advance(a.id, { status: 'running', stage: 'preparing' });
    await h.slack.idle();
    // The ticket ahead started: the second one moved up.
    expect(statusOf(h, b.ts).blocks).toContain('position 1 in line');
    for (const stage of ['coding', 'verifying', 'reviewing', 'publishing'] as const) {
      await h.store.advance(a.id, { stage });
      await h.slack.idle();
    }
    expect(statusOf(h, a.ts).blocks).toContain('Opening the pull request');
    expect(statusOf(h, a.ts).blocks).toContain('step 5 of 5');
    expect(h.fake.callsOf('chat.postMessage')).toHaveLength(2);
    expect(h.fake.callsOf('chat.update').length).toBeGreaterThanOrEqual(5);
    // The status message's ts is kept on the ticket, so a restart updates the same message.
    expect(h.store.tickets.get(a.id)?.request.slack?.statusTs).toBe(h.fake.botReplies('C1', a.ts)[0]?.ts);
  });

  it('ends with the PR, the proof, the verdict and a link to the video on a local URL', async () => {
    h = await startHarness();
    const { ts, id } = await queued(h);
    await h.store.advance(id, done);
    await h.slack.idle();
    const { blocks } = statusOf(h, ts);
    expect(blocks).toContain('<https://github.test/acme/app/pull/7|#7 Sortable orders table>');
    expect(blocks).toContain('Proof: fails before, passes after ×2');
    expect(blocks).toContain('Reviewer: approved — Small, tested change.');
    expect(blocks).toContain('http://127.0.0.1:4700/evidence/t1/head.webm');
    expect(blocks).not.toContain('"type":"image"');
    expect(blocks).toContain('3m 5s in total');
    expect(h.fake.reactionNames('C1', ts)).toEqual(['white_check_mark']);
  });

  it('shows the GIF inline when the public URL is reachable', async () => {
    h = await startHarness({ publicUrl: 'https://loopwright.acme.test' });
    await h.slack.close();
    // startHarness passes a local publicUrl; restart Slack with the public one.
    const { startSlack } = await import('../../src/slack/index.ts');
    const { FAST_RETRY } = await import('./helpers/harness.ts');
    h.slack = await startSlack({ config: h.config, store: h.store, retryConfig: FAST_RETRY });
    const id = (
      await h.store.submit({
        request: {
          text: 'x',
          source: 'slack',
          requester: 'U1',
          slack: { channel: 'C1', ts: h.fake.addMessage('C1', { user: 'U1', text: 'x' }) },
        },
      })
    ).ticket.id;
    await h.store.advance(id, done);
    await h.slack.idle();
    const ts = h.store.tickets.get(id)?.request.slack?.ts ?? '';
    const { blocks } = statusOf(h, ts);
    expect(blocks).toContain(
      '"type":"image","image_url":"https://loopwright.acme.test/evidence/t1/head.gif"',
    );
  });

  it('explains a failure and a rejection in plain words with a next step', async () => {
    h = await startHarness();
    const f = await queued(h, 'one');
    const r = await queued(h, 'two');
    await h.store.advance(f.id, {
      status: 'failed',
      error: { code: 'proof_failed', message: 'plan passes on base' },
    });
    await h.store.advance(r.id, {
      status: 'rejected',
      error: { code: 'guardrail_rejected', message: 'protected path' },
      review: { verdict: 'reject', comments: [{ body: 'Touches the billing module.' }] },
    });
    await h.slack.idle();
    expect(statusOf(h, f.ts).blocks).toContain('could not prove the change in a browser');
    expect(statusOf(h, f.ts).blocks).toContain('What to do:');
    expect(h.fake.reactionNames('C1', f.ts)).toEqual(['x']);
    expect(statusOf(h, r.ts).blocks).toContain('Touches the billing module.');
    expect(h.fake.reactionNames('C1', r.ts)).toEqual(['no_entry']);
  });

  it('turns the requester’s replies into clarifications while running and a follow-up once the PR is open', async () => {
    h = await startHarness();
    const { ts, id } = await queued(h);
    await h.store.advance(id, { status: 'running', stage: 'coding' });
    const reply = (user: string, text: string) => {
      const rts = h!.fake.addMessage('C1', { user, text, thread_ts: ts });
      return h!
        .send({ type: 'message', channel: 'C1', user, text, ts: rts, thread_ts: ts, channel_type: 'channel' })
        .then(() => rts);
    };
    await reply('UAUTHOR', 'only the date column, please');
    await reply('USOMEONE', 'I would love this too');
    await h.slack.idle();
    expect(h.store.tickets.get(id)?.request.clarifications).toEqual(['only the date column, please']);

    await h.store.advance(id, done);
    await h.slack.idle();
    const followTs = await reply('UAUTHOR', 'also make the header sticky');
    await h.slack.idle();
    const follow = [...h.store.tickets.values()].find((t) => t.request.followUpOf === id);
    expect(follow?.request).toMatchObject({
      text: 'also make the header sticky',
      slack: { ts: followTs, threadTs: ts },
    });
    // The follow-up has its own status message in the same thread.
    expect(h.fake.botReplies('C1', ts)).toHaveLength(2);
  });

  it('waits out a 429 (Retry-After) and survives a Slack outage without touching the ticket', async () => {
    h = await startHarness();
    const { ts, id } = await queued(h);
    h.fake.failNext('chat.update', { status: 429, retryAfter: 1 });
    const started = Date.now();
    await h.store.advance(id, { status: 'running', stage: 'coding' });
    await h.slack.idle();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(statusOf(h, ts).blocks).toContain('Changing the code');
    expect(h.fake.callsOf('chat.update').map((c) => c.status)).toEqual([429, 200]);

    // Three 500s exhaust the retries (2): the update is dropped, the ticket goes on.
    h.fake.failNext('chat.update', { status: 500 }, 3);
    await h.store.advance(id, { stage: 'verifying' });
    await h.slack.idle();
    expect(statusOf(h, ts).blocks).toContain('Changing the code');
    expect(h.store.tickets.get(id)?.status).toBe('running');
    // Slack is back: the next change is delivered.
    await h.store.advance(id, { stage: 'reviewing' });
    await waitFor(() => statusOf(h!, ts).blocks.includes('Under review'));
  });
});
