/**
 * Slack for Loopwright: a reaction or a mention queues a ticket, and the request's thread follows
 * it to the pull request. HTTP mode mounts Bolt's receiver on the web server's port; Socket Mode
 * (SLACK_APP_TOKEN set) connects out and needs no public URL.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/schema.ts';
import { resolveTargets } from '../config/targets.ts';
import { CodedError, ErrorCode } from '../core/errors.ts';
import { logger as rootLogger, type Logger } from '../core/log.ts';
import type { TicketStore } from '../tickets/types.ts';
import { SlackApi, type RetryOptions } from './api.ts';
import { createBolt, mountOn, type SlackMode } from './app.ts';
import { Intake } from './intake.ts';
import { slackTargets } from './routing.ts';
import { Threads } from './thread.ts';

export interface StartSlackOptions {
  config: Config;
  store: TicketStore;
  /** Base URL of the queue page for links in threads; default LOOPWRIGHT_PUBLIC_URL, else http://127.0.0.1:<port>. */
  publicUrl?: string;
  log?: Logger;
  /** Web API retries; the default waits about half a minute before dropping an update. */
  retryConfig?: RetryOptions;
}

export interface SlackHandle {
  mode: SlackMode;
  /** HTTP mode: registers POST /slack/events on the web server (same port as the queue page). */
  mount?: (app: FastifyInstance) => void;
  /** HTTP mode: the same receiver as a raw Node handler, for servers that hand over `req.rawBody`. */
  handler?: (req: IncomingMessage & { rawBody?: Buffer }, res: ServerResponse) => void;
  /** Resolves when every event handled so far and every thread update has settled. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Slack is on when a bot token and a way to receive events (signing secret or app token) are set. */
export function slackEnabled(config: Config): boolean {
  return Boolean(config.slackBotToken && (config.slackSigningSecret || config.slackAppToken));
}

export async function startSlack(opts: StartSlackOptions): Promise<SlackHandle> {
  const { config, store } = opts;
  const log = opts.log ?? rootLogger('slack');
  if (!slackEnabled(config) || !config.slackBotToken) {
    throw new CodedError(ErrorCode.ConfigInvalid, 'Slack is not configured', {
      hint: 'set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode)',
    });
  }
  const mode: SlackMode = config.slackAppToken ? 'socket' : 'http';
  const api = new SlackApi({
    token: config.slackBotToken,
    apiUrl: config.slackApiUrl,
    log,
    retryConfig: opts.retryConfig,
  });
  const base = (opts.publicUrl ?? config.publicUrl ?? `http://127.0.0.1:${config.port}`).replace(/\/+$/, '');
  const threads = new Threads({ api, store, log, baseUrl: base, publicMedia: isPublic(base) });
  const identity: { userId?: string; botId?: string } = {};
  // With several targets, channels route (routing.ts) rather than allow: an unmapped channel asks.
  const targets = slackTargets(resolveTargets(config));
  const several = targets.names.length > 1;
  const intake = new Intake({
    api,
    store,
    threads,
    log,
    identity,
    triggerEmoji: config.triggerEmoji,
    channels: several ? [] : config.slackChannels,
    users: config.slackUsers,
    allowBots: config.slackAllowBots,
    target: config.target,
    targets,
  });

  const work = new Set<Promise<void>>();
  const background = (what: string, fn: () => Promise<void>) => {
    const p = fn()
      .catch((error: unknown) => log.warn({ err: error, event: what }, 'slack event handling failed'))
      .finally(() => work.delete(p));
    work.add(p);
  };

  // Who the bot is, so its own messages are never taken as requests. A slow or failing Slack API
  // must not hold up start-up: wait briefly, then let it finish in the background.
  const whoami = api.call<{ user_id?: string; bot_id?: string }>('auth.test', {}).then((res) => {
    if (res.ok) {
      identity.userId = res.value.user_id;
      identity.botId = res.value.bot_id;
    } else log.warn({ error: res.error }, 'slack auth.test failed; check SLACK_BOT_TOKEN');
  });
  await Promise.race([whoami, new Promise((r) => setTimeout(r, 3000).unref())]);

  const bolt = createBolt({
    mode,
    botToken: config.slackBotToken,
    signingSecret: config.slackSigningSecret,
    appToken: config.slackAppToken,
    apiUrl: config.slackApiUrl,
    retryConfig: opts.retryConfig,
    log,
    intake,
    identity,
    background,
  });
  await threads.start();
  await bolt.start();
  log.info(
    {
      mode,
      channels: several ? Object.fromEntries(targets.byChannel) : config.slackChannels.length || 'all',
      trigger: config.triggerEmoji,
    },
    'slack ready',
  );

  const idle = async () => {
    for (;;) {
      await Promise.all([...work]);
      await threads.idle();
      if (work.size === 0) return;
    }
  };
  const listener = bolt.requestListener;
  return {
    mode,
    mount: listener ? mountOn(listener) : undefined,
    handler: listener,
    idle,
    close: async () => {
      await bolt.stop();
      threads.stop();
      await Promise.race([idle(), new Promise((r) => setTimeout(r, 5000).unref())]);
    },
  };
}

/** Slack's servers fetch images themselves, so only a non-local base URL can show them inline. */
function isPublic(base: string): boolean {
  try {
    const host = new URL(base).hostname;
    return !(
      host === 'localhost' ||
      host.endsWith('.localhost') ||
      host === '::1' ||
      host === '[::1]' ||
      /^127\./.test(host) ||
      host === '0.0.0.0'
    );
  } catch {
    return false;
  }
}

export { slackErrorCode } from './api.ts';
