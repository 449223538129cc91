/**
 * POST /github/webhook: GitHub's deliveries, verified by `X-Hub-Signature-256` (HMAC-SHA256 of the
 * raw body with GITHUB_WEBHOOK_SECRET, compared in constant time). `issue_comment` / `created` on a
 * pull request goes to the follow-up handler; everything else is acknowledged and dropped.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { isCodedError } from '../core/errors.ts';
import { followUpHandler, type FollowUpDeps, type PullComment } from './github-followup.ts';

export const WEBHOOK_PATH = '/github/webhook';

export function signWebhookBody(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function verifyWebhookSignature(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signWebhookBody(secret, body));
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

interface IssueCommentEvent {
  action?: string;
  issue?: { number: number; pull_request?: unknown };
  comment?: PullComment;
}

/** Parses a delivery: JSON, or the form encoding (`payload=`) GitHub offers as the other content type. */
function parsePayload(raw: Buffer, contentType: string | undefined): IssueCommentEvent | undefined {
  try {
    const text = raw.toString('utf8');
    if (contentType?.startsWith('application/x-www-form-urlencoded')) {
      const payload = new URLSearchParams(text).get('payload');
      return payload ? (JSON.parse(payload) as IssueCommentEvent) : undefined;
    }
    return JSON.parse(text) as IssueCommentEvent;
  } catch {
    return undefined;
  }
}

/** A web-server mount; without GITHUB_WEBHOOK_SECRET every delivery is refused (401). */
export function mountGitHubWebhook(deps: FollowUpDeps): (app: FastifyInstance) => void {
  const handle = followUpHandler(deps);
  const secret = deps.config.githubWebhookSecret;
  const log = deps.log.child({ component: 'github-webhook' });
  return (app) => {
    // An encapsulated plugin, so the raw-body parsers apply to this route only.
    void app.register(async (scope) => {
      const raw = (_req: unknown, body: Buffer, done: (err: Error | null, body?: Buffer) => void) =>
        done(null, body);
      scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, raw);
      scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, raw);
      scope.post(WEBHOOK_PATH, { bodyLimit: 5 * 1024 * 1024 }, async (req, reply) => {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const signature = req.headers['x-hub-signature-256'];
        if (
          !secret ||
          !verifyWebhookSignature(secret, body, typeof signature === 'string' ? signature : undefined)
        ) {
          return reply.code(401).send({ error: 'bad signature' });
        }
        const event = req.headers['x-github-event'];
        if (event === 'ping') return reply.send({ ok: true });
        const payload = parsePayload(body, req.headers['content-type']);
        if (!payload) return reply.code(400).send({ error: 'unreadable payload' });
        if (
          event !== 'issue_comment' ||
          payload.action !== 'created' ||
          !payload.issue?.pull_request ||
          !payload.comment
        ) {
          return reply.code(202).send({ ignored: true });
        }
        try {
          const outcome = await handle(payload.issue.number, payload.comment);
          return reply.code(outcome.kind === 'submitted' ? 201 : 200).send({
            outcome: outcome.kind,
            ...(outcome.kind === 'ignored' ? { reason: outcome.reason } : { ticket: outcome.ticket.id }),
          });
        } catch (error) {
          log.warn({ code: isCodedError(error) ? error.code : 'internal' }, 'follow-up from webhook failed');
          // 5xx makes GitHub show the failed delivery, which can be redelivered (exactly once by source key).
          return reply.code(502).send({ error: 'follow-up failed' });
        }
      });
    });
  };
}
