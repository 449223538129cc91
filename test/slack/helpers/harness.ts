/**
 * Test harness: the fake Slack, an in-memory store, the real Bolt HTTP receiver mounted on a real
 * Fastify server, and signed Events API requests as Slack sends them.
 */
import { createHmac } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { configSchema, type Config } from '../../../src/config/schema.ts';
import { startSlack, type SlackHandle } from '../../../src/slack/index.ts';
import { startFakeSlack, type FakeSlack } from '../../fakes/slack/server.ts';
import { MemoryTicketStore } from '../../helpers/memory-store.ts';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';
/** Fast retries so 429/500 tests take about a second. */
export const FAST_RETRY = { retries: 2, factor: 1, minTimeout: 20, maxTimeout: 50, randomize: false };

export interface Harness {
  fake: FakeSlack;
  store: MemoryTicketStore;
  slack: SlackHandle;
  web?: FastifyInstance;
  /** Base URL of the web server (HTTP mode). */
  url: string;
  config: Config;
  /** POSTs an event_callback body, signed; returns the HTTP status and ms to the ack. */
  send(
    event: Record<string, unknown>,
    opts?: SendOptions,
  ): Promise<{ status: number; ms: number; body: string }>;
  post(body: string, headers: Record<string, string>): Promise<{ status: number; ms: number; body: string }>;
  close(): Promise<void>;
}

export interface SendOptions {
  eventId?: string;
  retryNum?: number;
  secret?: string;
  timestamp?: number;
}

export async function startHarness(
  overrides: Partial<Record<keyof Config, unknown>> = {},
  opts: { mode?: 'http' | 'socket'; store?: MemoryTicketStore } = {},
): Promise<Harness> {
  const fake = await startFakeSlack();
  const store = opts.store ?? new MemoryTicketStore();
  const config = configSchema.parse({
    slackBotToken: fake.botToken,
    slackSigningSecret: SIGNING_SECRET,
    slackApiUrl: fake.url,
    ...(opts.mode === 'socket' ? { slackAppToken: fake.appToken } : {}),
    ...overrides,
  });
  const slack = await startSlack({
    config,
    store,
    publicUrl: 'http://127.0.0.1:4700',
    retryConfig: FAST_RETRY,
  });
  let web: FastifyInstance | undefined;
  let url = '';
  if (slack.mount) {
    web = Fastify();
    slack.mount(web);
    url = await web.listen({ port: 0, host: '127.0.0.1' });
  }
  let n = 0;
  const post = async (body: string, headers: Record<string, string>) => {
    const started = performance.now();
    const res = await fetch(`${url}/slack/events`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });
    const text = await res.text();
    return { status: res.status, ms: performance.now() - started, body: text };
  };
  return {
    fake,
    store,
    slack,
    web,
    url,
    config,
    post,
    send: (event, o = {}) => {
      const body = JSON.stringify(eventBody(event, o.eventId ?? `Ev${Date.now()}${++n}`));
      return post(body, signedHeaders(body, o));
    },
    async close() {
      await slack.close();
      await web?.close();
      await fake.close();
    },
  };
}

export function signedHeaders(body: string, o: SendOptions = {}): Record<string, string> {
  const ts = o.timestamp ?? Math.floor(Date.now() / 1000);
  const sig = createHmac('sha256', o.secret ?? SIGNING_SECRET)
    .update(`v0:${ts}:${body}`)
    .digest('hex');
  return {
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': `v0=${sig}`,
    ...(o.retryNum !== undefined
      ? { 'x-slack-retry-num': String(o.retryNum), 'x-slack-retry-reason': 'http_timeout' }
      : {}),
  };
}

export function eventBody(event: Record<string, unknown>, eventId: string) {
  return {
    token: 'legacy-verification-token',
    team_id: 'T1',
    api_app_id: 'A1',
    event: { event_ts: String(Date.now() / 1000), ...event },
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      { enterprise_id: null, team_id: 'T1', user_id: 'UBOT', is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: false,
  };
}

export const reaction = (
  user: string,
  channel: string,
  ts: string,
  name = 'robot_face',
  type = 'reaction_added',
) => ({
  type,
  user,
  reaction: name,
  item: { type: 'message', channel, ts },
  item_user: 'UAUTHOR',
});

/** Polls until `check` returns a truthy value. */
export async function waitFor<T>(check: () => T | Promise<T>, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error('waitFor timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
