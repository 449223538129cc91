/**
 * The JSON API: tickets (list, one, timeline, submit, cancel, retry), /healthz and /metrics.
 * Errors come back as `{ error: { code, message } }` with the CodedError code.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CodedError, ErrorCode } from '../../core/errors.ts';
import { redact } from '../../core/redact.ts';
import type { Ticket, TicketStatus } from '../../core/ticket.ts';
import type { WorkerRow } from '../../tickets/health.ts';
import type { TicketStore } from '../../tickets/types.ts';
import type { WebMetrics } from '../metrics.ts';

const STATUSES = ['queued', 'running', 'pr_opened', 'failed', 'rejected', 'cancelled'] as const;

/** A submission from the API or the queue page's form. */
export const submitSchema = z.object({
  text: z.string().trim().min(1, 'text is required').max(4000),
  target: z
    .string()
    .regex(/^[\w.-]{1,64}$/, 'target must be a plain name')
    .optional(),
  /** Client-chosen idempotency key: submitting the same id twice returns the first ticket. */
  id: z
    .string()
    .regex(/^[\w.:-]{1,128}$/, 'id must be 1–128 of letters, digits, . : _ -')
    .optional(),
  requester: z.string().trim().min(1).max(100).optional(),
  /** `loopwright submit` talks to a running server over this API and says it is the CLI. */
  source: z.enum(['web', 'cli']).default('web'),
});
export type SubmitBody = z.infer<typeof submitSchema>;

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  status: z
    .string()
    .transform((s) => s.split(',').filter(Boolean))
    .pipe(z.array(z.enum(STATUSES)))
    .optional(),
  target: z
    .string()
    .regex(/^[\w.-]{1,64}$/)
    .optional(),
  before: z.string().optional(),
});

export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new CodedError(
      ErrorCode.BadRequest,
      parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    );
  }
  return parsed.data;
}

/**
 * Submits a ticket from the page form or the CLI; idempotent on `id` per source. `targets` are the
 * deployment's targets, the default first; a target not among them is refused with their names.
 */
export async function submitFromWeb(store: TicketStore, body: SubmitBody, targets: string[]) {
  if (body.target && !targets.includes(body.target)) {
    throw new CodedError(ErrorCode.BadRequest, `target "${body.target}" is not configured here`, {
      hint: `use one of: ${targets.join(', ')}`,
    });
  }
  return store.submit({
    target: body.target ?? targets[0] ?? 'datadesk',
    request: {
      text: body.text,
      source: body.source,
      requester: body.requester ?? body.source,
      sourceKey: body.id ? `${body.source}:${body.id}` : undefined,
    },
  });
}

export async function mustGet(store: TicketStore, id: string): Promise<Ticket> {
  const ticket = await store.get(id);
  if (!ticket) throw new CodedError(ErrorCode.NotFound, `no ticket ${id}`);
  return ticket;
}

/** Rejects after `ms`, so a hung database fails the health check instead of hanging it. */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CodedError(ErrorCode.Internal, `no answer in ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export function registerApiRoutes(
  app: FastifyInstance,
  deps: {
    store: TicketStore;
    metrics: WebMetrics;
    /** The deployment's targets, the default first. */
    targets: string[];
    workers?: () => Promise<WorkerRow[]>;
  },
): void {
  const { store } = deps;

  app.get('/api/tickets', async (req) => {
    const q = parseOrThrow(listQuery, req.query);
    const tickets = await store.list({
      limit: q.limit,
      status: q.status as TicketStatus[] | undefined,
      target: q.target,
      before: q.before,
    });
    return { tickets };
  });

  app.get('/api/tickets/:id', async (req) => mustGet(store, (req.params as { id: string }).id));

  app.get('/api/tickets/:id/timeline', async (req) => {
    const { id } = req.params as { id: string };
    await mustGet(store, id);
    const after = Number((req.query as { after?: string }).after ?? 0) || 0;
    return { entries: await store.timeline(id, after) };
  });

  app.post('/api/tickets', async (req, reply) => {
    const body = parseOrThrow(submitSchema, req.body);
    const { ticket, created } = await submitFromWeb(store, body, deps.targets);
    return reply.code(created ? 201 : 200).send({ ticket, created });
  });

  app.post('/api/tickets/:id/cancel', async (req) => {
    const { id } = req.params as { id: string };
    await mustGet(store, id);
    return store.cancel(id, 'cancelled from the web');
  });

  app.post('/api/tickets/:id/retry', async (req) => {
    const { id } = req.params as { id: string };
    await mustGet(store, id);
    return store.retry(id);
  });

  app.get('/healthz', async (_req, reply) => {
    try {
      const counts = await withTimeout(store.counts(), 3000);
      const workers = deps.workers ? await withTimeout(deps.workers(), 3000) : [];
      // A worker that cannot do the work makes the deployment unhealthy, with its reason and fix.
      const ok = workers.every((w) => w.ready);
      const body = { ok, db: 'reachable', queued: counts.queued, running: counts.running, workers };
      return reply.code(ok ? 200 : 503).send(body);
    } catch (error) {
      return reply.code(503).send({ ok: false, db: 'unreachable', error: redact((error as Error).message) });
    }
  });

  app.get('/metrics', async (_req, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });
}
