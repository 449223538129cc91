/**
 * Follow-ups on a deployment with two targets on GitHub (`acme/app` for dashboards, `acme/notebooks`
 * for notebooks) behind one API host: a comment on a PR goes to the target whose repo the PR is in,
 * by webhook (the payload's repository) and by polling (one poller per repo). Both repos have a
 * PR #7, so the PR number alone cannot tell them apart; each fake answers 404 for any other repo.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.ts';
import type { Ticket } from '../../src/core/ticket.ts';
import { openRuntime } from '../../src/cli/runtime.ts';
import { startWebFor } from '../../src/cli/serve.ts';
import { mountGitHubWebhook, startGitHubPollers } from '../../src/forge/github.ts';
import { signWebhookBody } from '../../src/forge/github-webhook.ts';
import { openTickets, type Tickets } from '../../src/tickets/index.ts';
import { startWebServer, type WebServer } from '../../src/web/server.ts';
import { startGitHubWorld, type GitHubWorld } from '../fakes/github/harness.ts';
import { startGitHubHost, type FakeGitHubHost } from '../fakes/github/host.ts';
import { sh } from '../fakes/github/repos.ts';
import { memoryLogger, testConfig } from '../fakes/github/setup.ts';
import { TOKEN } from '../fakes/github/harness.ts';
import { loopwrightPull } from '../fakes/github/types.ts';

const SECRET = 'webhook-secret-for-tests';

/** A comment on acme/notebooks PR #8, as GitHub delivers it. */
const started = (id: number) =>
  JSON.stringify({
    action: 'created',
    repository: { full_name: 'acme/notebooks' },
    issue: { number: 8, pull_request: { url: 'x' } },
    comment: {
      id,
      body: '@loopwright and a kernel badge',
      html_url: `https://github.com/acme/notebooks/pull/8#issuecomment-${id}`,
      user: { login: 'ana', type: 'User' },
      author_association: 'MEMBER',
    },
  });

describe('follow-ups route to the target whose GitHub repo the PR is in', () => {
  const worlds: Record<string, GitHubWorld> = {};
  const originals: Record<string, Ticket> = {};
  const configs: Record<string, Config> = {};
  let host: FakeGitHubHost;
  let tickets: Tickets;
  let web: WebServer;
  const { log } = memoryLogger();
  const deps = () =>
    ['dashboards', 'notebooks'].map((t) => ({ config: configs[t]!, store: tickets.store, log }));

  beforeAll(async () => {
    worlds.dashboards = await startGitHubWorld({ owner: 'acme', repo: 'app' });
    worlds.notebooks = await startGitHubWorld({ owner: 'acme', repo: 'notebooks' });
    host = await startGitHubHost({
      'acme/app': worlds.dashboards.api.url,
      'acme/notebooks': worlds.notebooks.api.url,
    });
    for (const [target, repo] of [
      ['dashboards', 'acme/app'],
      ['notebooks', 'acme/notebooks'],
    ] as const) {
      const world = worlds[target]!;
      configs[target] = world.config({
        target,
        githubRepo: repo,
        githubApiUrl: host.url,
        githubWebhookSecret: SECRET,
        port: 0,
      });
    }
    tickets = await openTickets(configs.dashboards!);
    for (const target of ['dashboards', 'notebooks']) {
      const world = worlds[target]!;
      let t = (
        await tickets.store.submit({
          target,
          request: { text: `a change to ${target}`, source: 'cli', requester: 'ana' },
        })
      ).ticket;
      const branch = `loopwright/${t.id}-a-change`;
      sh(world.bare, 'branch', branch, 'main');
      world.api.pulls.push(loopwrightPull(7, branch, `A change to ${target}`, `PR_${target}`));
      t = await tickets.store.update(t.id, {
        status: 'pr_opened',
        pr: { url: `https://github.com/x/pull/7`, number: 7, branch, draft: false },
      });
      originals[target] = t;
    }
    web = await startWebServer({
      config: configs.dashboards!,
      store: tickets.store,
      mounts: [mountGitHubWebhook(deps())],
    });
  }, 120_000);

  afterAll(async () => {
    for (const w of Object.values(worlds)) expect(w.api.violations).toEqual([]);
    await web?.close();
    await tickets?.close();
    await host?.close();
    for (const w of Object.values(worlds)) await w.close();
  });

  const deliver = (repo: string, id: number, body: string) => {
    const payload = JSON.stringify({
      action: 'created',
      repository: { full_name: repo },
      issue: { number: 7, pull_request: { url: 'x' } },
      comment: {
        id,
        body,
        html_url: `https://github.com/${repo}/pull/7#issuecomment-${id}`,
        user: { login: 'ana', type: 'User' },
        author_association: 'MEMBER',
      },
    });
    return fetch(`${web.url}/github/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'issue_comment',
        'x-hub-signature-256': signWebhookBody(SECRET, payload),
      },
      body: payload,
    });
  };

  const answers = (target: string) => worlds[target]!.api.callsOf('issues/create-comment');

  it('by webhook: the notebooks PR follows up on the notebooks ticket and answers in acme/notebooks', async () => {
    const res = await deliver('acme/notebooks', 501, '@loopwright add a cell counter');
    expect(res.status).toBe(201);
    const { ticket: id } = (await res.json()) as { ticket: string };
    const follow = await tickets.store.get(id);
    expect(follow?.target).toBe('notebooks');
    expect(follow?.request.followUpOf).toBe(originals.notebooks!.id);
    expect(answers('notebooks').map((c) => c.path)).toEqual(['/repos/acme/notebooks/issues/7/comments']);
    expect(answers('dashboards')).toEqual([]);

    const back = await deliver('ACME/App', 502, '@loopwright and a legend');
    expect(back.status).toBe(201);
    const other = await tickets.store.get(((await back.json()) as { ticket: string }).ticket);
    expect(other?.target).toBe('dashboards');
    expect(other?.request.followUpOf).toBe(originals.dashboards!.id);
    expect(answers('dashboards').map((c) => c.path)).toEqual(['/repos/acme/app/issues/7/comments']);
  });

  it('by webhook: a repo no target names is acknowledged and dropped', async () => {
    const res = await deliver('acme/admin', 503, '@loopwright do it');
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ ignored: true, reason: 'no target has githubRepo acme/admin' });
    expect(await tickets.store.findBySourceKey('github:comment:503')).toBeUndefined();
  });

  it('as `loopwright start` wires it: one webhook for every target on GitHub', async () => {
    const config = testConfig({
      home: path.join(worlds.dashboards!.root, 'start-home'),
      port: 0,
      githubToken: TOKEN,
      githubApiUrl: host.url,
      githubWebhookSecret: SECRET,
      githubRepo: undefined,
      targets: {
        dashboards: { repo: worlds.dashboards!.repoUrl, githubRepo: 'acme/app' },
        notebooks: { repo: worlds.notebooks!.repoUrl, githubRepo: 'acme/notebooks' },
      },
    });
    const rt = await openRuntime(config, { log });
    const server = await startWebFor(rt, log);
    try {
      const original = (
        await rt.tickets.store.submit({
          target: 'notebooks',
          request: { text: 'a notebooks change', source: 'cli', requester: 'ana' },
        })
      ).ticket;
      const branch = `loopwright/${original.id}-started`;
      sh(worlds.notebooks!.bare, 'branch', branch, 'main');
      worlds.notebooks!.api.pulls.push(loopwrightPull(8, branch, 'Started', 'PR_started'));
      await rt.tickets.store.update(original.id, {
        status: 'pr_opened',
        pr: { url: 'https://github.com/acme/notebooks/pull/8', number: 8, branch, draft: false },
      });
      const res = await fetch(`${server.url}/github/webhook`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'issue_comment',
          'x-hub-signature-256': signWebhookBody(SECRET, started(601)),
        },
        body: started(601),
      });
      expect(res.status).toBe(201);
      const follow = await rt.tickets.store.get(((await res.json()) as { ticket: string }).ticket);
      expect(follow).toMatchObject({ target: 'notebooks', request: { followUpOf: original.id } });
      expect(answers('notebooks').at(-1)?.path).toBe('/repos/acme/notebooks/issues/8/comments');
    } finally {
      await server.close();
      await rt.close();
    }
  });

  it('by polling: each repo is polled and its comments reach its own target', async () => {
    const pollers = startGitHubPollers(deps(), { intervalMs: 3_600_000 });
    try {
      // Comment ids are unique across GitHub, not per repo; the two fakes count from the same number.
      const onNotebooks = worlds.notebooks!.api.addComment({
        id: 90_001,
        issue_number: 7,
        body: '@loopwright rename the kernel',
        login: 'bo',
      });
      const onDashboards = worlds.dashboards!.api.addComment({
        issue_number: 7,
        body: '@loopwright sort the legend',
        login: 'bo',
      });
      const outcomes = await pollers.pollOnce();
      const made = outcomes.flatMap((o) => (o.kind === 'submitted' ? [o.ticket] : []));
      const bySource = Object.fromEntries(made.map((t) => [t.request.sourceKey, t]));
      expect(bySource[`github:comment:${onNotebooks.id}`]).toMatchObject({
        target: 'notebooks',
        request: { followUpOf: originals.notebooks!.id, text: 'rename the kernel' },
      });
      expect(bySource[`github:comment:${onDashboards.id}`]).toMatchObject({
        target: 'dashboards',
        request: { followUpOf: originals.dashboards!.id, text: 'sort the legend' },
      });
      for (const [target, repo] of [
        ['dashboards', 'acme/app'],
        ['notebooks', 'acme/notebooks'],
      ] as const) {
        expect(worlds[target]!.api.callsOf('issues/list-comments-for-repo').at(-1)?.path).toBe(
          `/repos/${repo}/issues/comments`,
        );
      }
      // The default target keeps its cursor file; the other repo has its own.
      expect(existsSync(path.join(configs.dashboards!.home, 'github-poll.json'))).toBe(true);
      expect(existsSync(path.join(configs.notebooks!.home, 'github-poll-acme-notebooks.json'))).toBe(true);
    } finally {
      await pollers.stop();
    }
  });
});
