/**
 * The web server: queue page, ticket and PR pages, JSON API, SSE, evidence files, /metrics and
 * /healthz, plus the signed Slack and GitHub endpoints, all on one port (DESIGN.md §3).
 */
import { resolveTargets } from '../config/targets.ts';
import type { IncomingMessage } from 'node:http';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { CodedError, ErrorCode, asCodedError } from '../core/errors.ts';
import { logger } from '../core/log.ts';
import { redact } from '../core/redact.ts';
import { bindHost, installAuth } from './auth.ts';
import { cspFor, LOCKED_CSP, newNonce } from './csp.ts';
import { evidenceRoot, registerEvidenceRoutes } from './evidence.ts';
import { html } from './html.ts';
import { createMetrics } from './metrics.ts';
import { renderPage } from './render/layout.ts';
import { registerApiRoutes } from './routes/api.ts';
import { registerPageRoutes } from './routes/pages.ts';
import { registerEvalRoutes } from './routes/evals.ts';
import { SseHub } from './sse.ts';
import type { RawHandler, WebDeps, WebMount } from './types.ts';

export type { PullRequestView, RawHandler, WebDeps, WebForge, WebMount } from './types.ts';
export { renderQueuePage } from './render/queue.ts';

export interface WebServer {
  /** Base URL, e.g. `http://127.0.0.1:4700`. */
  url: string;
  close(): Promise<void>;
  app: FastifyInstance;
}

const STATUS_BY_CODE: Partial<Record<string, number>> = {
  [ErrorCode.NotFound]: 404,
  [ErrorCode.BadRequest]: 400,
  [ErrorCode.Cancelled]: 409,
};

function sendError(req: FastifyRequest, reply: FastifyReply, status: number, code: string, message: string) {
  const isPage =
    req.method === 'GET' && !req.url.startsWith('/api/') && (req.headers.accept ?? '').includes('text/html');
  if (!isPage) {
    return reply
      .code(status)
      .header('content-security-policy', LOCKED_CSP)
      .send({ error: { code, message } });
  }
  const nonce = newNonce();
  const body = html`<section class="card">
    <h1>${status === 404 ? 'Not found' : 'Something went wrong'}</h1>
    <p>${message}</p>
    <p><a href="/">Back to the queue</a></p>
  </section>`;
  return reply
    .code(status)
    .header('content-security-policy', cspFor(nonce))
    .type('text/html; charset=utf-8')
    .send(renderPage({ title: status === 404 ? 'Not found' : 'Error', nonce, body }));
}

/**
 * Mounts a raw handler (Bolt's `HTTPReceiver.requestListener`, a webhook verifier) at POST `path`.
 * The reply is hijacked: the handler writes to `res` itself.
 */
function rawRoute(path: string, handler: RawHandler): WebMount {
  return (scope) => {
    scope.post(path, async (req, reply) => {
      reply.hijack();
      const raw = req.raw as IncomingMessage & { rawBody: Buffer };
      try {
        await handler(raw, reply.raw);
      } catch (error) {
        scope.log.error({ err: error, path }, 'signed endpoint failed');
        if (!reply.raw.headersSent) reply.raw.writeHead(500, { 'content-type': 'application/json' });
        if (!reply.raw.writableEnded)
          reply.raw.end(JSON.stringify({ error: { code: ErrorCode.Internal, message: 'handler failed' } }));
      }
    });
  };
}

/**
 * Starts the web server and resolves once it listens.
 *
 * - Binds `config.host` (default 127.0.0.1) on `config.port` (0 picks a free port). A non-loopback
 *   host without `config.uiToken` is refused with a `config_invalid` error.
 * - With `config.uiToken`, every page and API needs the token (cookie from /login or
 *   `Authorization: Bearer`); `/healthz`, `/slack/events` and `/github/webhook` are exempt.
 * - `slackHandler` and `githubWebhook` are Node `(req, res)` handlers mounted at POST
 *   `/slack/events` and POST `/github/webhook`; `req.rawBody` holds the exact bytes for signature
 *   checks (Bolt's `HTTPReceiver` reads it from there).
 * - `mounts` run inside one encapsulated scope where every content type is parsed as a Buffer
 *   (`request.body` and `request.raw.rawBody` are the raw bytes). Use it to add routes such as
 *   `/slack/events` with your own handler; register paths other than the two signed ones only if
 *   they may require the UI token.
 */
export async function startWebServer(deps: WebDeps): Promise<WebServer> {
  const { config, store } = deps;
  const host = bindHost(config);
  const log = deps.log ?? logger('web');
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1_048_576,
    // Ticket ids and paths are case-sensitive; `/api/events/` and `/api/events` are one route.
    routerOptions: { ignoreTrailingSlash: true },
  });

  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 65_536 },
    (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    },
  );

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    reply.header('x-frame-options', 'DENY');
    if (!reply.hasHeader('content-security-policy')) reply.header('content-security-policy', LOCKED_CSP);
    return payload;
  });

  app.setErrorHandler((error: FastifyError | CodedError, req, reply) => {
    if (error instanceof CodedError) {
      const status = STATUS_BY_CODE[error.code] ?? 500;
      if (status >= 500) req.log.error({ err: error }, 'request failed');
      return sendError(req, reply, status, error.code, redact(error.describe()));
    }
    const status = (error as FastifyError).statusCode ?? 500;
    if (status < 500) return sendError(req, reply, status, ErrorCode.BadRequest, error.message);
    req.log.error({ err: error }, 'request failed');
    return sendError(req, reply, 500, asCodedError(error).code, 'internal error');
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(req, reply, 404, ErrorCode.NotFound, `nothing at ${req.url.split('?')[0]}`),
  );

  installAuth(app, config);

  const targets = resolveTargets(config).map((t) => t.name);
  const metrics = createMetrics(store, targets);
  const unsubscribeMetrics = store.subscribe((change) => metrics.observe(change));
  const hub = new SseHub(store, log);
  hub.register(app);

  const root = evidenceRoot(config.home);
  registerApiRoutes(app, { store, metrics, targets, workers: deps.workers });
  registerPageRoutes(app, {
    store,
    forge: deps.forge,
    evidenceRoot: root,
    scripted: deps.scripted,
    targets,
    workers: deps.workers,
  });
  registerEvidenceRoutes(app, root);
  registerEvalRoutes(app, {
    home: config.home,
    scripted: deps.scripted,
    hasPrs: Boolean(deps.forge?.getPullRequest),
  });

  const mounts: WebMount[] = [
    ...(deps.slackHandler ? [rawRoute('/slack/events', deps.slackHandler)] : []),
    ...(deps.githubWebhook ? [rawRoute('/github/webhook', deps.githubWebhook)] : []),
    ...(deps.mounts ?? []),
  ];
  if (mounts.length) {
    await app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 5_242_880 }, (req, body, done) => {
        (req.raw as IncomingMessage & { rawBody?: Buffer }).rawBody = body as Buffer;
        done(null, body);
      });
      for (const mount of mounts) await mount(scope);
    });
  }

  app.addHook('onClose', async () => {
    hub.close();
    unsubscribeMetrics();
  });

  await app.listen({ port: config.port, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    app,
    close: async () => {
      hub.close();
      await app.close();
    },
  };
}
