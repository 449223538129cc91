/**
 * POST /github/webhook: GitHub's deliveries, verified by `X-Hub-Signature-256` (HMAC-SHA256 of the
 * raw body with GITHUB_WEBHOOK_SECRET, compared in constant time). `issue_comment` / `created` on a
 * pull request goes to the follow-up handler of the target whose GitHub repo the PR is in (the
 * payload's `repository.full_name`); everything else is acknowledged and dropped. One webhook URL
 * serves every target, as one GitHub App or org webhook delivers for all its repos.
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
  repository?: { full_name?: string };
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

/**
 * The follow-up handler for each target's GitHub repo (`owner/name`, lower case), and the one a
 * delivery without a repository goes to (the first: the default target).
 */
export function handlersByRepo(deps: FollowUpDeps | FollowUpDeps[]) {
  const list = Array.isArray(deps) ? deps : [deps];
  const byRepo = new Map<string, ReturnType<typeof followUpHandler>>();
  for (const d of list) {
    const repo = d.config.githubRepo?.toLowerCase();
    if (repo && !byRepo.has(repo)) byRepo.set(repo, followUpHandler(d));
  }
  const fallback = list[0]
    ? (byRepo.get(list[0].config.githubRepo?.toLowerCase() ?? '') ?? followUpHandler(list[0]))
    : undefined;
  return (repo: string | undefined) => (repo ? byRepo.get(repo.toLowerCase()) : fallback);
}

/**
 * A web-server mount for one target's follow-ups or several (one per GitHub repo); without
 * GITHUB_WEBHOOK_SECRET every delivery is refused (401).
 */
export function mountGitHubWebhook(deps: FollowUpDeps | FollowUpDeps[]): (app: FastifyInstance) => void {
  const list = Array.isArray(deps) ? deps : [deps];
  const first = list[0];
  if (!first) throw new Error('mountGitHubWebhook needs at least one target');
  const handlerFor = handlersByRepo(list);
  const secret = first.config.githubWebhookSecret;
  const log = first.log.child({ component: 'github-webhook' });
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
        const repo = payload.repository?.full_name;
        const handle = handlerFor(repo);
        if (!handle) {
          log.info({ repo }, 'comment on a repo no target names ignored');
          return reply.code(202).send({ ignored: true, reason: `no target has githubRepo ${repo}` });
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
