/**
 * Access control for the web server. With `uiToken` set, every page and API needs it (a session
 * cookie from /login, or `Authorization: Bearer`); signed endpoints and /healthz are exempt. Without
 * a token the server listens on loopback only and refuses Host headers that are not its own (DNS
 * rebinding). State-changing requests must come from this origin (Origin / Sec-Fetch-Site), and the
 * session cookie is SameSite=Strict, so another site cannot submit, cancel or merge in a user's name.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CodedError, ErrorCode } from '../core/errors.ts';
import type { Config } from '../config/schema.ts';
import { html } from './html.ts';
import { renderPage } from './render/layout.ts';
import { cspFor, newNonce } from './csp.ts';

/** Routes that carry their own signature (or must answer probes) and skip token and CSRF checks. */
export const AUTH_EXEMPT_ROUTES: ReadonlySet<string> = new Set([
  '/healthz',
  '/slack/events',
  '/github/webhook',
]);
/** Reachable before logging in: the login form and the stylesheet it uses. */
const PUBLIC_ROUTES: ReadonlySet<string> = new Set(['/login', '/static/app.css']);

export const SESSION_COOKIE = 'lw_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const isLoopback = (host: string) =>
  host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);

/**
 * The address to listen on. Loopback unless a UI token protects the server: anything else
 * (0.0.0.0, a LAN address) without a token is refused, since the queue page can submit work.
 */
export function bindHost(config: Pick<Config, 'host' | 'uiToken'>): string {
  const host = config.host ?? '127.0.0.1';
  if (!config.uiToken && !isLoopback(host)) {
    throw new CodedError(
      ErrorCode.ConfigInvalid,
      `refusing to listen on ${host} without a UI token: anyone who can reach it could queue and merge changes`,
      {
        hint: 'set LOOPWRIGHT_UI_TOKEN (8+ characters), or unset LOOPWRIGHT_HOST to listen on 127.0.0.1 only',
      },
    );
  }
  return host;
}

/** The cookie value for a token: an HMAC, so the token itself never sits in the browser. */
export function sessionValue(token: string): string {
  return createHmac('sha256', token).update('loopwright-ui-session').digest('base64url');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) {
      try {
        out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        // A malformed cookie is ignored like an absent one.
      }
    }
  }
  return out;
}

function isAuthenticated(req: FastifyRequest, token: string): boolean {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ') && safeEqual(auth.slice(7).trim(), token)) return true;
  const cookie = parseCookies(req.headers.cookie)[SESSION_COOKIE];
  return cookie !== undefined && safeEqual(cookie, sessionValue(token));
}

function allowedHostnames(config: Config): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '[::1]']);
  if (config.host) names.add(config.host.includes(':') ? `[${config.host}]` : config.host);
  if (config.publicUrl) names.add(new URL(config.publicUrl).hostname);
  return names;
}

function hostnameOf(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  return hostHeader.startsWith('[')
    ? hostHeader.slice(0, hostHeader.indexOf(']') + 1)
    : (hostHeader.split(':')[0] ?? '');
}

/**
 * A state-changing request passes when it is not from a browser page of another origin: an
 * `Origin` must be ours; without one, `Sec-Fetch-Site` must be same-origin or none (typed URL);
 * a request with neither header is not from a browser (curl, the CLI). A request carrying an
 * `Authorization` header cannot be forged cross-site (it needs a CORS preflight we never grant).
 */
export function isSameOriginRequest(req: FastifyRequest, config: Config): boolean {
  if (req.headers.authorization) return true;
  const origin = req.headers.origin;
  if (origin !== undefined) {
    const own = new Set([`${req.protocol}://${req.headers.host ?? ''}`]);
    if (config.publicUrl) own.add(new URL(config.publicUrl).origin);
    return own.has(origin);
  }
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin' || site === 'none';
  return true;
}

const wantsHtml = (req: FastifyRequest) =>
  req.method === 'GET' && !req.url.startsWith('/api/') && (req.headers.accept ?? '').includes('text/html');

function deny(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).type('application/json; charset=utf-8').send({ error: { code, message } });
}

/** Installs the host, CSRF and token checks (one onRequest hook) and the login/logout routes. */
export function installAuth(app: FastifyInstance, config: Config): void {
  const hostnames = allowedHostnames(config);
  const token = config.uiToken;
  const secureCookie = config.publicUrl?.startsWith('https://') ?? false;

  app.addHook('onRequest', async (req, reply) => {
    const route = req.routeOptions.url ?? '';
    if (AUTH_EXEMPT_ROUTES.has(route)) return;
    if (!token && !hostnames.has(hostnameOf(req.headers.host))) {
      return deny(reply, 421, 'host_not_allowed', 'this server answers only on its own host name');
    }
    if (!SAFE_METHODS.has(req.method) && !isSameOriginRequest(req, config)) {
      return deny(reply, 403, 'csrf', 'cross-site request refused');
    }
    if (!token || PUBLIC_ROUTES.has(route) || isAuthenticated(req, token)) return;
    if (wantsHtml(req)) return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
    return deny(
      reply,
      401,
      'unauthorized',
      'log in at /login or send Authorization: Bearer <LOOPWRIGHT_UI_TOKEN>',
    );
  });

  app.get('/login', async (req, reply) => {
    const next = safeNext((req.query as { next?: string }).next);
    return sendLogin(
      reply,
      next,
      token ? undefined : 'No UI token is set: the server is open on this machine.',
    );
  });

  app.post('/login', async (req, reply) => {
    const body = (req.body ?? {}) as { token?: string; next?: string };
    const next = safeNext(body.next);
    if (!token) return reply.redirect(next, 303);
    if (typeof body.token !== 'string' || !safeEqual(body.token, token)) {
      reply.code(401);
      return sendLogin(reply, next, 'That token is not right.');
    }
    reply.header(
      'set-cookie',
      `${SESSION_COOKIE}=${sessionValue(token)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=2592000${secureCookie ? '; Secure' : ''}`,
    );
    return reply.redirect(next, 303);
  });

  app.post('/logout', async (_req, reply) => {
    reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
    return reply.redirect('/login', 303);
  });
}

/** Only same-site paths: `//evil.example` and absolute URLs would be an open redirect. */
function safeNext(next: unknown): string {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\')
    ? next
    : '/';
}

function sendLogin(reply: FastifyReply, next: string, notice?: string) {
  const nonce = newNonce();
  const body = html`<section class="card login">
    <h1>Log in</h1>
    ${notice ? html`<p class="notice">${notice}</p>` : ''}
    <form method="post" action="/login">
      <input type="hidden" name="next" value="${next}" />
      <label for="token">UI token</label>
      <input id="token" name="token" type="password" autocomplete="current-password" required autofocus />
      <button class="primary" type="submit">Log in</button>
    </form>
    <p class="sub">The token is the server's LOOPWRIGHT_UI_TOKEN.</p>
  </section>`;
  return reply
    .header('content-security-policy', cspFor(nonce))
    .type('text/html; charset=utf-8')
    .send(renderPage({ title: 'Log in', nonce, body, nav: 'none' }));
}
