/**
 * A fake Slack: the Web API methods Loopwright calls, with the response shapes of Slack's published
 * API (form-encoded or JSON bodies, Bearer token checked, `ok:false` errors, 429 + Retry-After),
 * and a Socket Mode WebSocket speaking Slack's envelope protocol. Every call is recorded.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface FakeMessage {
  ts: string;
  text?: string;
  user?: string;
  bot_id?: string;
  subtype?: string;
  thread_ts?: string;
  files?: { name?: string; mimetype?: string }[];
  blocks?: unknown[];
  reactions?: { name: string; users: string[]; count: number }[];
}

export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  /** HTTP status the fake answered with. */
  status: number;
  /** Slack `error` when the call answered ok:false. */
  error?: string;
  at: number;
}

/** A scripted failure for the next call(s) of a method. */
export type Failure = { status: 429; retryAfter: number } | { status: 500 | 502 | 503 } | { error: string };

export interface FakeSlackOptions {
  botToken?: string;
  appToken?: string;
  botUserId?: string;
  botId?: string;
}

export interface FakeSlack {
  /** Base URL to give as SLACK_API_URL (ends with `/api/`). */
  url: string;
  botToken: string;
  appToken: string;
  botUserId: string;
  botId: string;
  calls: RecordedCall[];
  ephemerals: { channel: string; user: string; text: string }[];
  /** Adds a channel message (or a thread reply when thread_ts is given); returns its ts. */
  addMessage(channel: string, msg: Omit<FakeMessage, 'ts'> & { ts?: string }): string;
  message(channel: string, ts: string): FakeMessage | undefined;
  /** Bot-posted messages in a thread, oldest first. */
  botReplies(channel: string, threadTs: string): FakeMessage[];
  reactionNames(channel: string, ts: string): string[];
  failNext(method: string, failure: Failure, times?: number): void;
  callsOf(method: string): RecordedCall[];
  /** Socket Mode: sends an events_api envelope; resolves with the ms until the client acked it. */
  sendSocketEvent(body: unknown): Promise<number>;
  socketConnected(): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const botToken = opts.botToken ?? 'xoxb-fake-bot-token-0000';
  const appToken = opts.appToken ?? 'xapp-fake-app-token-0000';
  const botUserId = opts.botUserId ?? 'UBOT';
  const botId = opts.botId ?? 'BBOT';
  const channels = new Map<string, FakeMessage[]>();
  const calls: RecordedCall[] = [];
  const ephemerals: FakeSlack['ephemerals'] = [];
  const failures = new Map<string, Failure[]>();
  let clock = 1_700_000_000;
  let seq = 0;
  const nextTs = () => `${clock++}.${String(++seq).padStart(6, '0')}`;
  const find = (channel: string, ts: string) => channels.get(channel)?.find((m) => m.ts === ts);
  /** The message `ts` in `channel`: channel_not_found / message_not_found as Slack answers. */
  const mustFind = (ch: string | undefined, ts: string | undefined) => {
    const msg = channel(ch).find((m) => m.ts === ts);
    if (!msg) throw new SlackFail('message_not_found');
    return msg;
  };

  const sockets = new Set<WebSocket>();
  const acks = new Map<string, () => void>();
  let connectedWaiters: (() => void)[] = [];

  const handlers: Record<string, (a: Record<string, string | undefined>) => Record<string, unknown>> = {
    'auth.test': () => ({
      url: 'https://fake.slack.com/',
      team: 'Fake',
      user: 'loopwright',
      team_id: 'T1',
      user_id: botUserId,
      bot_id: botId,
      is_enterprise_install: false,
    }),
    'conversations.history': (a) => {
      const list = channel(a.channel);
      const inclusive = a.inclusive === 'true' || a.inclusive === '1';
      const latest = a.latest ? Number(a.latest) : Infinity;
      const limit = Number(a.limit ?? 100);
      const top = list
        .filter((m) => !m.thread_ts || m.thread_ts === m.ts || m.subtype === 'thread_broadcast')
        .filter((m) => (inclusive ? Number(m.ts) <= latest : Number(m.ts) < latest))
        .sort((x, y) => Number(y.ts) - Number(x.ts));
      return {
        messages: top.slice(0, limit),
        has_more: top.length > limit,
        pin_count: 0,
        response_metadata: { next_cursor: '' },
      };
    },
    'conversations.replies': (a) => {
      const list = channel(a.channel);
      const msg = list.find((m) => m.ts === a.ts);
      if (!msg) throw new SlackFail('thread_not_found');
      const parentTs = msg.thread_ts ?? msg.ts;
      const thread = list
        .filter((m) => m.ts === parentTs || m.thread_ts === parentTs)
        .sort((x, y) => Number(x.ts) - Number(y.ts));
      return { messages: thread, has_more: false, response_metadata: { next_cursor: '' } };
    },
    'chat.getPermalink': (a) => {
      const ch = a.channel ?? '';
      mustFind(ch, a.message_ts);
      return {
        channel: ch,
        permalink: `https://fake.slack.com/archives/${ch}/p${(a.message_ts ?? '').replace('.', '')}`,
      };
    },
    'chat.postMessage': (a) => {
      const list = channel(a.channel);
      if (!a.text && !a.blocks) throw new SlackFail('no_text');
      const msg: FakeMessage = {
        ts: nextTs(),
        text: a.text,
        user: botUserId,
        bot_id: botId,
        thread_ts: a.thread_ts,
        blocks: a.blocks ? (JSON.parse(a.blocks) as unknown[]) : undefined,
      };
      list.push(msg);
      return { channel: a.channel, ts: msg.ts, message: msg };
    },
    'chat.update': (a) => {
      const msg = mustFind(a.channel, a.ts);
      if (msg.bot_id !== botId) throw new SlackFail('cant_update_message');
      msg.text = a.text;
      msg.blocks = a.blocks ? (JSON.parse(a.blocks) as unknown[]) : undefined;
      return { channel: a.channel, ts: msg.ts, text: msg.text, message: msg };
    },
    'chat.postEphemeral': (a) => {
      channel(a.channel);
      if (!a.user) throw new SlackFail('user_not_in_channel');
      ephemerals.push({ channel: a.channel ?? '', user: a.user, text: a.text ?? '' });
      return { message_ts: nextTs() };
    },
    'reactions.add': (a) => {
      const msg = mustFind(a.channel, a.timestamp);
      msg.reactions ??= [];
      const r = msg.reactions.find((x) => x.name === a.name);
      if (r?.users.includes(botUserId)) throw new SlackFail('already_reacted');
      if (r) {
        r.users.push(botUserId);
        r.count++;
      } else msg.reactions.push({ name: a.name ?? '', users: [botUserId], count: 1 });
      return {};
    },
    'reactions.remove': (a) => {
      const msg = mustFind(a.channel, a.timestamp);
      const r = msg.reactions?.find((x) => x.name === a.name && x.users.includes(botUserId));
      if (!r || !msg.reactions) throw new SlackFail('no_reaction');
      r.users = r.users.filter((u) => u !== botUserId);
      r.count--;
      msg.reactions = msg.reactions.filter((x) => x.count > 0);
      return {};
    },
    'apps.connections.open': () => ({ url: `ws://127.0.0.1:${port}/link/?ticket=fake-ticket` }),
  };

  function channel(id: string | undefined): FakeMessage[] {
    const list = id ? channels.get(id) : undefined;
    if (!list) throw new SlackFail('channel_not_found');
    return list;
  }

  const server: Server = createServer(async (req, res) => {
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
    const args = await readArgs(req);
    const record = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
      calls.push({
        method,
        args,
        status,
        error: body.ok === false ? String(body.error) : undefined,
        at: Date.now(),
      });
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    const queued = failures.get(method);
    const failure = queued?.shift();
    if (failure) {
      if ('error' in failure) return record(200, { ok: false, error: failure.error });
      if (failure.status === 429)
        return record(
          429,
          { ok: false, error: 'ratelimited' },
          { 'retry-after': String(failure.retryAfter) },
        );
      return record(failure.status, { ok: false, error: 'fatal_error' });
    }
    const handler = handlers[method];
    if (!handler) return record(404, { ok: false, error: 'unknown_method' });
    const token = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '') || (args.token ?? '');
    const expected = method === 'apps.connections.open' ? appToken : botToken;
    if (!token) return record(200, { ok: false, error: 'not_authed' });
    if (token !== expected) return record(200, { ok: false, error: 'invalid_auth' });
    try {
      record(200, { ok: true, ...handler(args) });
    } catch (error) {
      if (error instanceof SlackFail) return record(200, { ok: false, error: error.code });
      record(500, { ok: false, error: 'internal_error' });
    }
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (!(req.url ?? '').startsWith('/link')) return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as { envelope_id?: string };
        if (msg.envelope_id) acks.get(msg.envelope_id)?.();
      });
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: 1,
          debug_info: { host: 'fake', approximate_connection_time: 3600 },
          connection_info: { app_id: 'A1' },
        }),
      );
      const waiters = connectedWaiters;
      connectedWaiters = [];
      for (const w of waiters) w();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/api/`,
    botToken,
    appToken,
    botUserId,
    botId,
    calls,
    ephemerals,
    addMessage(ch, msg) {
      const list = channels.get(ch) ?? [];
      channels.set(ch, list);
      const ts = msg.ts ?? nextTs();
      list.push({ ...msg, ts });
      return ts;
    },
    message: (ch, ts) => find(ch, ts),
    botReplies: (ch, threadTs) =>
      (channels.get(ch) ?? []).filter((m) => m.thread_ts === threadTs && m.bot_id === botId),
    reactionNames: (ch, ts) =>
      (find(ch, ts)?.reactions ?? []).filter((r) => r.users.includes(botUserId)).map((r) => r.name),
    failNext(method, failure, times = 1) {
      const list = failures.get(method) ?? [];
      for (let i = 0; i < times; i++) list.push(failure);
      failures.set(method, list);
    },
    callsOf: (method) => calls.filter((c) => c.method === method),
    async sendSocketEvent(body) {
      const ws = [...sockets][0];
      if (!ws) throw new Error('no Socket Mode client is connected');
      const envelopeId = `env-${++seq}`;
      const started = performance.now();
      const acked = new Promise<number>((resolve) =>
        acks.set(envelopeId, () => resolve(performance.now() - started)),
      );
      ws.send(
        JSON.stringify({
          envelope_id: envelopeId,
          payload: body,
          type: 'events_api',
          accepts_response_payload: false,
          retry_attempt: 0,
          retry_reason: '',
        }),
      );
      return acked;
    },
    socketConnected: () =>
      sockets.size > 0 ? Promise.resolve() : new Promise<void>((r) => connectedWaiters.push(r)),
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

class SlackFail extends Error {
  readonly code: string;
  constructor(code: string) {
    super(code);
    this.code = code;
  }
}

async function readArgs(req: IncomingMessage): Promise<Record<string, string | undefined>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/json') && raw) {
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    );
  }
  return Object.fromEntries(new URLSearchParams(raw));
}
