/**
 * The Bolt app: the real receiver checks Slack's signature (HTTP) or holds the Socket Mode
 * connection, acks every event at once, and hands the event to the intake in the background.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, HTTPReceiver, LogLevel, SocketModeReceiver, type Receiver } from '@slack/bolt';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../core/log.ts';
import { clientOptions, type RetryOptions } from './api.ts';
import type { Intake, MessageEvent, ReactionEvent } from './intake.ts';
import { TARGET_ACTION } from './routing.ts';

export type SlackMode = 'http' | 'socket';

export interface BoltOptions {
  mode: SlackMode;
  botToken: string;
  signingSecret?: string;
  appToken?: string;
  apiUrl: string;
  retryConfig?: RetryOptions;
  log: Logger;
  intake: Intake;
  identity: { userId?: string; botId?: string };
  /** Runs a handler after the ack; the caller tracks it so tests and shutdown can wait. */
  background: (what: string, work: () => Promise<void>) => void;
}

export interface BoltHandle {
  app: App;
  /** HTTP mode: the receiver's own request listener (it reads `req.rawBody` when present). */
  requestListener?: (req: IncomingMessage, res: ServerResponse) => void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createBolt(o: BoltOptions): BoltHandle {
  const logger = boltLogger(o.log);
  const options = clientOptions(o.apiUrl, o.retryConfig);
  let receiver: Receiver;
  let http: HTTPReceiver | undefined;
  if (o.mode === 'socket') {
    if (!o.appToken) throw new Error('Socket Mode needs SLACK_APP_TOKEN');
    // The Socket Mode client takes its Web API options (apps.connections.open at SLACK_API_URL) from here.
    receiver = new SocketModeReceiver({
      appToken: o.appToken,
      logger,
      installerOptions: { clientOptions: options },
    });
  } else {
    if (!o.signingSecret) throw new Error('HTTP mode needs SLACK_SIGNING_SECRET');
    http = new HTTPReceiver({
      signingSecret: o.signingSecret,
      endpoints: '/slack/events',
      logger,
      // Ack first, work after: Slack wants an answer within 3 seconds.
      processBeforeResponse: false,
    });
    receiver = http;
  }

  const app = new App({
    receiver,
    logger,
    clientOptions: options,
    // A fixed token; the bot's identity comes from one auth.test at start, never per event, so a
    // slow Slack API cannot delay an ack.
    authorize: async () => ({ botToken: o.botToken, botId: o.identity.botId, botUserId: o.identity.userId }),
  });

  // Slack redelivers an event (X-Slack-Retry-Num) when an ack was late; the first delivery counts.
  const seen = new BoundedSet(5000);
  app.use(async ({ body, next }) => {
    const id = (body as { event_id?: string }).event_id;
    if (id && !seen.add(id)) return;
    await next();
  });

  app.event('reaction_added', async ({ event }) => {
    o.background('reaction_added', () => o.intake.reactionAdded(event as unknown as ReactionEvent));
  });
  app.event('reaction_removed', async ({ event }) => {
    o.background('reaction_removed', () => o.intake.reactionRemoved(event as unknown as ReactionEvent));
  });
  app.event('app_mention', async ({ event }) => {
    o.background('app_mention', () => o.intake.appMention(event as unknown as MessageEvent));
  });
  app.event('message', async ({ event }) => {
    o.background('message', () => o.intake.message(event as unknown as MessageEvent));
  });
  // A click on a target button (routing.ts): ack at once, queue the ticket after.
  app.action(new RegExp(`^${TARGET_ACTION}`), async ({ ack, body }) => {
    await ack();
    o.background('target_chosen', () => o.intake.targetChosen(body as Parameters<Intake['targetChosen']>[0]));
  });
  app.error(async (error) => {
    o.log.warn({ err: error }, 'slack event handling failed');
  });

  return {
    app,
    requestListener: http?.requestListener,
    start: async () => {
      if (o.mode === 'socket') await app.start();
    },
    stop: async () => {
      if (o.mode === 'socket') await app.stop();
    },
  };
}

/**
 * Mounts the receiver at POST /slack/events on a Fastify app. The route lives in its own scope
 * that keeps the body as the exact bytes received, which Bolt verifies the signature over.
 */
export function mountOn(listener: (req: IncomingMessage, res: ServerResponse) => void) {
  return (app: FastifyInstance): void => {
    void app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
      scope.post('/slack/events', (request, reply) => {
        const raw = request.raw as IncomingMessage & { rawBody?: Buffer };
        raw.rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        reply.hijack();
        listener(raw, reply.raw);
      });
    });
  };
}

function boltLogger(log: Logger) {
  let level = LogLevel.INFO;
  return {
    debug: (...m: unknown[]) => log.debug(m.map(String).join(' ')),
    info: (...m: unknown[]) => log.debug(m.map(String).join(' ')),
    warn: (...m: unknown[]) => log.warn(m.map(String).join(' ')),
    error: (...m: unknown[]) => log.error(m.map(String).join(' ')),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

/** Remembers the last `max` keys; `add` is false for a key seen before. */
class BoundedSet {
  private readonly keys = new Set<string>();
  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  add(key: string): boolean {
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    if (this.keys.size > this.max) this.keys.delete(this.keys.values().next().value as string);
    return true;
  }
}
