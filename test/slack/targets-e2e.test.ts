/**
 * Several apps, one Loopwright: Datadesk and a second small app as two targets of one process,
 * composed as `loopwright start` composes them (config file, runtime, web server with Slack's real
 * Bolt receiver, a worker). Requests in a channel mapped to a target land on that target and open
 * a PR in its own repo; a mention naming a target goes there; in an unmapped channel the bot asks
 * with one button per target and the click (a signed block_actions payload) queues the ticket; a
 * misconfigured target stops start-up naming the setting.
 */
import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/cli/runtime.ts';
import { loadConfig } from '../../src/config/load.ts';
import { logger } from '../../src/core/log.ts';
import type { Ticket } from '../../src/core/ticket.ts';
import type { WebServer } from '../../src/web/server.ts';
import { startSlackWorld, type SlackWorld } from './helpers/world.ts';
import { finished, launch } from '../cli/process.ts';
import { startFakeSlack, type FakeSlack } from '../fakes/slack/server.ts';
import { tempHome } from '../tickets/helpers.ts';
import { eventBody, reaction, signedHeaders, SIGNING_SECRET, waitFor } from './helpers/harness.ts';
import { dbTemplateEnv } from '../helpers/db-template.ts';
import { warmDatadeskDeps } from '../helpers/datadesk.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIX = path.join(ROOT, 'test/cli/fixtures');
const DASH = 'CDASH';
const NOTES = 'CNOTES';
const GENERAL = 'CGENERAL';
// A Datadesk ticket installs, builds and proves a real app: minutes on a loaded 2-core machine.
const TICKETS_MS = 600_000;

describe('two targets in one process, routed from Slack', () => {
  const tmp = tempHome('lw-targets-e2e-');
  const log = logger('targets-e2e');
  let fake: FakeSlack;
  let rt: Runtime;
  let server: WebServer;
  let world: SlackWorld;
  let events = 0;
  let configFile: string;
  let env: Record<string, string>;

  const targets = (notebooksRepo: string, notebooksChannels = [NOTES]) => ({
    targets: {
      datadesk: {
        repo: path.join(ROOT, 'sandbox/datadesk'),
        baseBranch: 'main',
        slackChannels: [DASH],
        trajectory: 'datadesk-legend-toggle',
      },
      notebooks: {
        repo: notebooksRepo,
        baseBranch: 'main',
        slackChannels: notebooksChannels,
        trajectory: path.join(FIX, 'tiny-saved.jsonl'),
      },
    },
  });

  beforeAll(async () => {
    fake = await startFakeSlack();
    // The second app, made here: a one-page server with its own .loopwright.yml.
    const notebooks = path.join(tmp.home, 'notebooks-app');
    cpSync(path.join(FIX, 'tiny-app'), notebooks, { recursive: true });
    writeFileSync(
      path.join(notebooks, 'index.html'),
      '<!doctype html><h1>Notebooks</h1><button>Save</button>\n',
    );
    configFile = path.join(tmp.home, 'loopwright.config.json');
    writeFileSync(configFile, JSON.stringify(targets(notebooks)));
    env = {
      ...dbTemplateEnv(),
      LOOPWRIGHT_CONFIG: configFile,
      LOOPWRIGHT_HOME: path.join(tmp.home, 'home'),
      LOOPWRIGHT_PORT: String(20000 + Math.floor(Math.random() * 20000)),
      SLACK_BOT_TOKEN: fake.botToken,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.url,
    };
    const config = loadConfig({ cwd: tmp.home, env });
    await warmDatadeskDeps(config.home);
    world = await startSlackWorld(config, log);
    ({ rt, server } = world);
  }, 120_000);

  afterAll(async () => {
    await world?.close();
    await fake?.close();
    tmp.cleanup();
  }, 60_000);

  const post = (body: string, contentType: string) =>
    fetch(`${server.url}/slack/events`, {
      method: 'POST',
      body,
      headers: { 'content-type': contentType, ...signedHeaders(body) },
    }).then((r) => r.status);
  const deliver = (event: Record<string, unknown>) =>
    post(JSON.stringify(eventBody(event, `EvT${++events}`)), 'application/json');

  const ticketFor = async (ts: string): Promise<Ticket | undefined> =>
    (await rt.tickets.store.list({ limit: 100 })).find((t) => t.request.slack?.ts === ts);
  const until = async (ts: string, check: (t: Ticket) => boolean, ms: number): Promise<Ticket> =>
    (await waitFor(async () => {
      const t = await ticketFor(ts);
      return t && check(t) ? t : undefined;
    }, ms))!;
  const ended = (t: Ticket) => !['queued', 'running'].includes(t.status);

  it(
    'tickets from two channels land on their own targets and open PRs in their own repos',
    { timeout: TICKETS_MS + 30_000 },
    async () => {
      const dashTs = fake.addMessage(DASH, {
        user: 'UANA',
        text: 'On the revenue dashboard, clicking a legend entry should hide that line',
      });
      const notesTs = fake.addMessage(NOTES, { user: 'UBEN', text: 'Show Saved on the page' });
      expect(await deliver(reaction('UANA', DASH, dashTs))).toBe(200);
      expect(await deliver(reaction('UBEN', NOTES, notesTs))).toBe(200);

      const dash = await until(dashTs, ended, TICKETS_MS);
      const notes = await until(notesTs, ended, TICKETS_MS);
      expect(dash.target).toBe('datadesk');
      expect(notes.target).toBe('notebooks');
      expect(dash.status, JSON.stringify(dash.error)).toBe('pr_opened');
      expect(notes.status, JSON.stringify(notes.error)).toBe('pr_opened');
      // Each ticket records the commit of its own repo's base branch.
      expect(dash.baseCommit).toMatch(/^[0-9a-f]{40}$/);
      expect(notes.baseCommit).toMatch(/^[0-9a-f]{40}$/);
      expect(dash.baseCommit).not.toBe(notes.baseCommit);

      // Each PR is in its own target's repo, and names the target.
      const dashForge = rt.forTarget('datadesk').localForge!;
      const notesForge = rt.forTarget('notebooks').localForge!;
      expect(dashForge.repoPath).not.toBe(notesForge.repoPath);
      expect((await dashForge.listPullRequests()).map((p) => p.number)).toEqual([dash.pr!.number]);
      expect((await notesForge.listPullRequests()).map((p) => p.number)).toEqual([notes.pr!.number]);
      expect((await notesForge.getPullRequest(notes.pr!.number))!.body).toContain('target `notebooks`');
      // The PR pages show both targets' PRs.
      for (const pr of [dash.pr!, notes.pr!])
        expect((await fetch(`${server.url}/prs/${pr.number}`)).status).toBe(200);
      const list = await (await fetch(`${server.url}/prs`)).text();
      expect(list).toContain(`href="/prs/${dash.pr!.number}"`);
      expect(list).toContain(`href="/prs/${notes.pr!.number}"`);

      // The Slack thread names the target too.
      await waitFor(() => fake.reactionNames(NOTES, notesTs).includes('white_check_mark'), 20_000);
      expect(JSON.stringify(fake.botReplies(NOTES, notesTs)[0]!.blocks)).toContain('notebooks');
    },
  );

  it('a mention naming a target goes to that target, in any channel', async () => {
    const text = '<@UBOT> notebooks: make the Save button green';
    const ts = fake.addMessage(GENERAL, { user: 'UCAL', text });
    expect(await deliver({ type: 'app_mention', channel: GENERAL, user: 'UCAL', text, ts })).toBe(200);
    const t = await until(ts, () => true, 15_000);
    expect(t.target).toBe('notebooks');
    expect(t.request.text).toBe('make the Save button green');
    await rt.tickets.store.cancel(t.id, 'test done');
  });

  it('in an unmapped channel the bot asks with one button per target; the click queues the ticket', async () => {
    const ts = fake.addMessage(GENERAL, { user: 'UDEE', text: 'Add a notes counter to the header' });
    expect(await deliver(reaction('UDEE', GENERAL, ts))).toBe(200);
    const question = (await waitFor(() => fake.botReplies(GENERAL, ts)[0], 15_000))!;
    const actions = (
      question.blocks as { type: string; elements?: { value: string; text: { text: string } }[] }[]
    ).find((b) => b.type === 'actions')!;
    expect(actions.elements!.map((e) => e.text.text)).toEqual(['datadesk', 'notebooks']);
    expect(await ticketFor(ts)).toBeUndefined();

    // Slack posts the click form-encoded (`payload=`), signed like every request.
    const chosen = actions.elements!.find((e) => e.text.text === 'notebooks')!;
    const payload = {
      type: 'block_actions',
      team: { id: 'T1', domain: 'fake' },
      user: { id: 'UDEE', username: 'dee', team_id: 'T1' },
      api_app_id: 'A1',
      token: 'legacy-verification-token',
      container: { type: 'message', message_ts: question.ts, channel_id: GENERAL, is_ephemeral: false },
      trigger_id: '1.2.3',
      channel: { id: GENERAL, name: 'general' },
      message: { type: 'message', ts: question.ts, text: question.text, user: 'UBOT' },
      response_url: 'https://hooks.slack.invalid/actions/T1/1/x',
      actions: [
        {
          type: 'button',
          action_id: 'loopwright_target:notebooks',
          block_id: 'loopwright_target',
          text: { type: 'plain_text', text: 'notebooks' },
          value: chosen.value,
          action_ts: String(Date.now() / 1000),
        },
      ],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    expect(await post(body, 'application/x-www-form-urlencoded')).toBe(200);

    const t = await until(ts, () => true, 15_000);
    expect(t.target).toBe('notebooks');
    expect(t.request).toMatchObject({ text: 'Add a notes counter to the header', requester: 'UDEE' });
    // The question becomes a line saying who chose what.
    await waitFor(() => String(fake.botReplies(GENERAL, ts)[0]?.text).includes('chose notebooks'), 10_000);
    await rt.tickets.store.cancel(t.id, 'test done');
  });

  it('a misconfigured target stops start-up, naming the setting and the fix', async () => {
    const missing = path.join(tmp.home, 'no-such-app');
    const bad = path.join(tmp.home, 'bad.json');
    writeFileSync(bad, JSON.stringify(targets(missing)));
    const unreachable = await finished(
      launch(['start'], { env: { ...process.env, ...env, LOOPWRIGHT_CONFIG: bad, LOOPWRIGHT_PORT: '0' } }),
      'start with an unreachable repo',
      90_000,
    );
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(`targets.notebooks.repo: cannot reach ${missing}`);
    expect(unreachable.stderr).toContain('fix targets.notebooks.repo');

    writeFileSync(bad, JSON.stringify(targets(path.join(FIX, 'tiny-app'), [DASH])));
    const clash = await finished(
      launch(['start'], { env: { ...process.env, ...env, LOOPWRIGHT_CONFIG: bad, LOOPWRIGHT_PORT: '0' } }),
      'start with a channel claimed twice',
      90_000,
    );
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain(
      `targets.datadesk.slackChannels and targets.notebooks.slackChannels both claim Slack channel ${DASH}`,
    );
  });
});
