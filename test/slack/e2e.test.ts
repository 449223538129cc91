/**
 * Slack end to end, composed the way `loopwright start` composes it: config from the environment,
 * the runtime (embedded database, local forge, real sandbox, scripted model replaying a fixture
 * trajectory), the web server with Slack's receiver mounted, and a worker. A signed reaction_added
 * on the fake Slack's message becomes a ticket that ends in a pull request, and the request's
 * thread follows it: one status message updated in place, and reactions on the message.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { logger } from '../../src/core/log.ts';
import type { Ticket } from '../../src/core/ticket.ts';
import type { Runtime } from '../../src/cli/runtime.ts';
import type { WebServer } from '../../src/web/server.ts';
import { startSlackWorld, type SlackWorld } from './helpers/world.ts';
import { startFakeSlack, type FakeSlack, type RecordedCall } from '../fakes/slack/server.ts';
import { tempHome } from '../tickets/helpers.ts';
import { eventBody, reaction, SIGNING_SECRET, signedHeaders, waitFor } from './helpers/harness.ts';
import { dbTemplateEnv } from '../helpers/db-template.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIX = path.join(ROOT, 'test/cli/fixtures');
const CHANNEL = 'C1';

describe('Slack end to end with the scripted model', () => {
  const tmp = tempHome('lw-slack-e2e-');
  const log = logger('slack-e2e');
  let fake: FakeSlack;
  let rt: Runtime;
  let server: WebServer;
  let world: SlackWorld;
  let events = 0;

  beforeAll(async () => {
    fake = await startFakeSlack();
    const config = loadConfig({
      cwd: tmp.home,
      env: {
        ...dbTemplateEnv(),
        LOOPWRIGHT_HOME: path.join(tmp.home, 'home'),
        LOOPWRIGHT_PORT: String(20000 + Math.floor(Math.random() * 20000)),
        LOOPWRIGHT_REPO: path.join(FIX, 'tiny-app'),
        LOOPWRIGHT_TARGET: 'tiny',
        LOOPWRIGHT_TRAJECTORY: path.join(FIX, 'tiny-saved.jsonl'),
        SLACK_BOT_TOKEN: fake.botToken,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: fake.url,
      },
    });
    world = await startSlackWorld(config, log);
    ({ rt, server } = world);
  }, 60_000);

  afterAll(async () => {
    await world?.close();
    await fake?.close();
    tmp.cleanup();
  }, 30_000);

  /** POSTs an Events API body to the server's /slack/events, signed as Slack signs it. */
  const deliver = async (event: Record<string, unknown>) => {
    const body = JSON.stringify(eventBody(event, `EvE2E${++events}`));
    const res = await fetch(`${server.url}/slack/events`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...signedHeaders(body) },
    });
    return res.status;
  };

  const ticketFor = async (ts: string): Promise<Ticket | undefined> =>
    (await rt.tickets.store.list({ limit: 50 })).find((t) => t.request.slack?.ts === ts);

  /** The message's ticket once `check` holds (waitFor throws on timeout, so never undefined). */
  const until = async (ts: string, check: (t: Ticket) => boolean, ms = 60_000): Promise<Ticket> =>
    (await waitFor(async () => {
      const t = await ticketFor(ts);
      return t && check(t) ? t : undefined;
    }, ms))!;

  /** Text of a status post or update: the blocks, where the whole message lives. */
  const shown = (c: RecordedCall) => String(c.args.blocks ?? c.args.text ?? '');

  it(
    'a reaction becomes a PR, followed in one status message in the thread',
    { timeout: 90_000 },
    async () => {
      const ts = fake.addMessage(CHANNEL, { user: 'UAUTHOR', text: 'Show Saved on the page' });
      expect(await deliver(reaction('UREACT', CHANNEL, ts))).toBe(200);

      const queued = await until(ts, () => true, 10_000);
      expect(queued.request).toMatchObject({
        source: 'slack',
        text: 'Show Saved on the page',
        requester: 'UAUTHOR',
        trigger: 'UREACT',
        sourceKey: `slack:${CHANNEL}:${ts}`,
        slack: { channel: CHANNEL, ts, permalink: expect.stringContaining(`/archives/${CHANNEL}/p`) },
      });

      const done = await until(ts, (t) => !['queued', 'running'].includes(t.status), 80_000);
      expect(done.status, JSON.stringify(done.error)).toBe('pr_opened');
      expect(done.scripted).toBe(true);
      expect(done.pr?.url).toBeTruthy();
      // The PR is in the local forge.
      const prs = await rt.localForge!.listPullRequests();
      expect(prs.some((p) => p.number === done.pr!.number)).toBe(true);

      // The thread settles after the last change; wait for the final render and reaction.
      await waitFor(() => fake.reactionNames(CHANNEL, ts).includes('white_check_mark'), 10_000);
      const replies = fake.botReplies(CHANNEL, ts);
      expect(replies).toHaveLength(1);
      const status = replies[0]!;
      expect(done.request.slack?.statusTs).toBe(status.ts);

      // One post, then updates of that same message through the stages.
      const posts = fake.callsOf('chat.postMessage').filter((c) => c.args.thread_ts === ts);
      expect(posts).toHaveLength(1);
      expect(shown(posts[0]!)).toContain('Queued');
      const updates = fake.callsOf('chat.update').filter((c) => c.args.ts === status.ts);
      expect(updates.every((c) => c.status === 200 && !c.error)).toBe(true);
      const seen = [posts[0]!, ...updates].map(shown);
      const runningAt = seen.findIndex((s) =>
        /Changing the code|Proving it in a browser|Under review/.test(s),
      );
      const finalAt = seen.findIndex((s) => s.includes('Pull request opened'));
      expect(runningAt).toBeGreaterThan(0);
      expect(finalAt).toBeGreaterThan(runningAt);
      expect(finalAt).toBe(seen.length - 1);

      const final = JSON.stringify(status.blocks);
      expect(final).toContain(`<${done.pr!.url}|#${done.pr!.number}`);
      expect(final).toContain('Proof: fails before, passes after ×2');
      expect(status.text).toContain(done.pr!.url);

      // Reactions on the request: eyes while queued/running, then the check mark in its place.
      const reactions = fake.calls
        .filter((c) => c.method.startsWith('reactions.') && c.args.timestamp === ts)
        .map((c) => `${c.method === 'reactions.add' ? '+' : '-'}${String(c.args.name)}`);
      expect(reactions).toEqual(['+eyes', '-eyes', '+white_check_mark']);
      expect(fake.reactionNames(CHANNEL, ts)).toEqual(['white_check_mark']);
    },
  );

  it(
    'a reply by the requester while the ticket runs lands as a clarification',
    { timeout: 90_000 },
    async () => {
      const ts = fake.addMessage(CHANNEL, { user: 'UAUTHOR', text: 'Show Saved on the page, again' });
      expect(await deliver(reaction('UREACT', CHANNEL, ts))).toBe(200);
      // The scripted coder's first step sleeps a few seconds: reply while it codes.
      const running = await until(ts, (t) => t.status === 'running' && t.stage === 'coding', 30_000);

      const reply = (user: string, text: string) => {
        const replyTs = fake.addMessage(CHANNEL, { user, text, thread_ts: ts });
        return {
          replyTs,
          event: { type: 'message', channel: CHANNEL, user, text, ts: replyTs, thread_ts: ts },
        };
      };
      const bystander = reply('UOTHER', 'I would like it green');
      const requester = reply('UAUTHOR', 'Put it under the button');
      expect(await deliver(bystander.event)).toBe(200);
      expect(await deliver(requester.event)).toBe(200);

      const clarified = await until(ts, (t) => (t.request.clarifications?.length ?? 0) > 0, 10_000);
      expect(clarified.request.clarifications).toEqual(['Put it under the button']);
      const timeline = await rt.tickets.store.timeline(running.id);
      expect(
        timeline.some(
          (e) => e.event.type === 'log' && e.event.text === 'Clarification: Put it under the button',
        ),
      ).toBe(true);
      // The requester's reply is acknowledged; the bystander's is left alone.
      await waitFor(() => fake.reactionNames(CHANNEL, requester.replyTs).includes('eyes'), 5000);
      expect(fake.reactionNames(CHANNEL, bystander.replyTs)).toEqual([]);

      // It still finishes, and the status message stays the only bot post in the thread.
      const done = await until(ts, (t) => !['queued', 'running'].includes(t.status), 80_000);
      expect(done.status, JSON.stringify(done.error)).toBe('pr_opened');
      expect(done.request.clarifications).toEqual(['Put it under the button']);
      await waitFor(() => fake.reactionNames(CHANNEL, ts).includes('white_check_mark'), 10_000);
      expect(fake.botReplies(CHANNEL, ts)).toHaveLength(1);
    },
  );
});
