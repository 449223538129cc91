/**
 * Follow-ups from PR comments, through the real web server (signed webhook) and through polling,
 * into the real ticket store on PGlite; answers go to the fake GitHub conversation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ticket } from '../../src/core/ticket.ts';
import { mountGitHubWebhook, startGitHubPoller } from '../../src/forge/github.ts';
import { signWebhookBody } from '../../src/forge/github-webhook.ts';
import { requestFromComment } from '../../src/forge/github-followup.ts';
import { openTickets, type Tickets } from '../../src/tickets/index.ts';
import { startWebServer, type WebServer } from '../../src/web/server.ts';
import { startGitHubWorld, type GitHubWorld } from '../fakes/github/harness.ts';
import { sh } from '../fakes/github/repos.ts';
import { memoryLogger } from '../fakes/github/setup.ts';
import { loopwrightPull } from '../fakes/github/types.ts';

const SECRET = 'webhook-secret-for-tests';

describe('follow-ups from PR comments', () => {
  let world: GitHubWorld;
  let tickets: Tickets;
  let web: WebServer;
  let original: Ticket;
  const { log } = memoryLogger();

  beforeAll(async () => {
    world = await startGitHubWorld();
    const config = world.config({ githubWebhookSecret: SECRET, port: 0, publicUrl: 'http://lw.example' });
    tickets = await openTickets(config);
    original = (
      await tickets.store.submit({
        request: { text: 'make the button blue', source: 'cli', requester: 'ana' },
      })
    ).ticket;
    const branch = `loopwright/${original.id}-make-the-button-blue`;
    sh(world.bare, 'branch', branch, 'main');
    world.api.pulls.push(loopwrightPull(7, branch, 'Make the button blue', 'PR_7'));
    original = await tickets.store.update(original.id, {
      status: 'pr_opened',
      pr: { url: 'https://github.com/acme/app/pull/7', number: 7, branch, draft: false },
    });
    web = await startWebServer({
      config,
      store: tickets.store,
      mounts: [mountGitHubWebhook({ config, store: tickets.store, log })],
    });
  }, 120_000);
  afterAll(async () => {
    expect(world.api.violations).toEqual([]);
    await web?.close();
    await tickets?.close();
    await world?.close();
  });

  const event = (id: number, body: string, over: Record<string, unknown> = {}) => ({
    action: 'created',
    issue: { number: 7, pull_request: { url: 'x' } },
    comment: {
      id,
      body,
      html_url: `https://github.com/acme/app/pull/7#issuecomment-${id}`,
      user: { login: 'ana', type: 'User' },
      author_association: 'MEMBER',
      ...over,
    },
  });
  const deliver = (payload: unknown, signature?: string, eventName = 'issue_comment') => {
    const body = JSON.stringify(payload);
    return fetch(`${web.url}/github/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': eventName,
        'x-hub-signature-256': signature ?? signWebhookBody(SECRET, body),
      },
      body,
    });
  };

  it('reads the request out of a mention', () => {
    expect(requestFromComment('@loopwright make the button blue', 'loopwright')).toBe('make the button blue');
    expect(requestFromComment('hey @Loopwright, bolder please', 'loopwright')).toBe('hey , bolder please');
    expect(requestFromComment('@loopwrighter no', 'loopwright')).toBeUndefined();
    expect(requestFromComment('mail me@loopwright.dev', 'loopwright')).toBeUndefined();
  });

  it('refuses deliveries without a valid signature', async () => {
    const payload = event(1, '@loopwright do it');
    expect((await deliver(payload, 'sha256=' + '0'.repeat(64))).status).toBe(401);
    expect((await deliver(payload, 'nope')).status).toBe(401);
    const unsigned = await fetch(`${web.url}/github/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'issue_comment' },
      body: JSON.stringify(payload),
    });
    expect(unsigned.status).toBe(401);
    expect(await tickets.store.findBySourceKey('github:comment:1')).toBeUndefined();
  });

  it('queues one follow-up per mentioning comment and answers in the PR', async () => {
    const res = await deliver(event(101, '@loopwright make the button bigger'));
    expect(res.status).toBe(201);
    const { ticket: id } = (await res.json()) as { ticket: string };
    const follow = await tickets.store.get(id);
    expect(follow?.request).toMatchObject({
      text: 'make the button bigger',
      source: 'github',
      requester: 'ana',
      followUpOf: original.id,
      sourceKey: 'github:comment:101',
    });
    const answers = world.api.callsOf('issues/create-comment');
    expect(answers).toHaveLength(1);
    expect(answers[0]?.path).toBe('/repos/acme/app/issues/7/comments');
    expect((answers[0]?.body as { body: string }).body).toContain(id);
    expect((answers[0]?.body as { body: string }).body).toContain(`http://lw.example/tickets/${id}`);

    // GitHub redelivers: nothing new.
    const again = await deliver(event(101, '@loopwright make the button bigger'));
    expect(again.status).toBe(200);
    expect(((await again.json()) as { outcome: string }).outcome).toBe('duplicate');
    expect(world.api.callsOf('issues/create-comment')).toHaveLength(1);
  });

  it('takes the form-encoded delivery format too', async () => {
    const body = new URLSearchParams({
      payload: JSON.stringify(event(301, '@loopwright and a tooltip')),
    }).toString();
    const res = await fetch(`${web.url}/github/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-github-event': 'issue_comment',
        'x-hub-signature-256': signWebhookBody(SECRET, body),
      },
      body,
    });
    expect(res.status).toBe(201);
    expect((await tickets.store.findBySourceKey('github:comment:301'))?.request.text).toBe('and a tooltip');
  });

  it('ignores comments without a mention, from outsiders, from bots, and other events', async () => {
    const outcomes = [
      await deliver(event(201, 'looks good')),
      await deliver(event(202, '@loopwright delete everything', { author_association: 'NONE' })),
      await deliver(event(203, '@loopwright hi', { user: { login: 'loopwright[bot]', type: 'Bot' } })),
      await deliver({
        action: 'created',
        issue: { number: 7 },
        comment: event(204, '@loopwright x').comment,
      }),
      await deliver(event(205, '@loopwright x'), undefined, 'pull_request'),
    ];
    expect(outcomes.map((r) => r.status)).toEqual([200, 200, 200, 202, 202]);
    for (const id of [201, 202, 203, 204, 205])
      expect(await tickets.store.findBySourceKey(`github:comment:${id}`)).toBeUndefined();
    expect((await deliver({ zen: 'hi' }, undefined, 'ping')).status).toBe(200);
  });

  it('polls PR comments where no webhook reaches, exactly once per comment', async () => {
    const config = world.config({ port: 0 });
    const poller = startGitHubPoller({ config, store: tickets.store, log, intervalMs: 3_600_000 });
    try {
      const comment = world.api.addComment({
        issue_number: 7,
        body: '@loopwright also make it bold',
        login: 'bo',
      });
      const first = await poller.pollOnce();
      const submitted = first.filter((o) => o.kind === 'submitted');
      expect(submitted).toHaveLength(1);
      const ticket = submitted[0]?.kind === 'submitted' ? submitted[0].ticket : undefined;
      expect(ticket?.request).toMatchObject({ followUpOf: original.id, source: 'github', requester: 'bo' });
      expect(ticket?.request.sourceKey).toBe(`github:comment:${comment.id}`);
      const listCall = world.api.callsOf('issues/list-comments-for-repo').at(-1);
      expect(listCall?.query.since).toMatch(/^\d{4}-\d\d-\d\dT/);

      // The next poll sees the same comment again (since is inclusive) and the bot's own answer.
      const second = await poller.pollOnce();
      expect(second.filter((o) => o.kind === 'submitted')).toHaveLength(0);
      const total = (await tickets.store.list({ limit: 100 })).filter(
        (t) => t.request.followUpOf === original.id,
      );
      expect(total).toHaveLength(3); // two from the webhook tests, one from polling
    } finally {
      await poller.stop();
    }
  });
});
