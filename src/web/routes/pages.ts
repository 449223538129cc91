/**
 * HTML pages: the queue, a ticket, the local forge's PRs, plus the form posts behind their buttons
 * (submit, cancel, retry, merge), which redirect back so the pages work without script too.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { CodedError, ErrorCode } from '../../core/errors.ts';
import { TERMINAL_STATUSES, TICKET_STATUSES, type Ticket, type TicketStatus } from '../../core/ticket.ts';
import type { TicketStore } from '../../tickets/types.ts';
import type { WorkerRow } from '../../tickets/health.ts';
import { cspFor, newNonce } from '../csp.ts';
import { readDiff, readEvidenceView } from '../evidence.ts';
import { renderQueuePage, RECENT_LIMIT } from '../render/queue.ts';
import { renderTicketPage } from '../render/ticket.ts';
import { renderPrListPage, renderPrPage } from '../render/pr.ts';
import { emptyEvidence } from '../render/evidence.ts';
import type { WebForge } from '../types.ts';
import { mustGet, parseOrThrow, submitFromWeb, submitSchema } from './api.ts';
import { queuePositions } from '../positions.ts';

const CSS = readFileSync(new URL('../static/app.css', import.meta.url), 'utf8');
/** In-flight tickets the queue page lists; a deeper backlog shows as a count. */
const INFLIGHT_LIMIT = 500;
/** Queued tickets whose position is looked up for the first render. */
const POSITION_LOOKUPS = 200;

export interface PageDeps {
  store: TicketStore;
  forge?: WebForge;
  evidenceRoot: string;
  scripted?: boolean;
  targets: string[];
  workers?: () => Promise<WorkerRow[]>;
}

function sendPage(reply: FastifyReply, render: (nonce: string) => string) {
  const nonce = newNonce();
  return reply
    .header('content-security-policy', cspFor(nonce))
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(render(nonce));
}

/** Gathers what the queue page shows. Exported for the benchmark. */
const zeroCounts = () =>
  Object.fromEntries(TICKET_STATUSES.map((s) => [s, 0])) as Record<TicketStatus, number>;

export async function loadQueueData(store: TicketStore, target?: string) {
  const [inflight, recent, counts] = await Promise.all([
    store.list({ status: ['queued', 'running'], limit: INFLIGHT_LIMIT, target }),
    store.list({ status: [...TERMINAL_STATUSES], limit: RECENT_LIMIT, target }),
    // Filtered, the counts are that target's too.
    target ? store.countsByTarget().then((by) => by[target] ?? zeroCounts()) : store.counts(),
  ]);
  const queued = inflight.filter((t) => t.status === 'queued').slice(0, POSITION_LOOKUPS);
  const positions = await queuePositions(store, queued);
  return { inflight, recent, counts, positions };
}

async function findTicketForPr(
  store: TicketStore,
  number: number,
  ticketId?: string,
): Promise<Ticket | undefined> {
  if (ticketId) return store.get(ticketId);
  const opened = await store.list({ status: ['pr_opened'], limit: 1000 });
  return opened.find((t) => t.pr?.number === number && !/^https?:\/\//.test(t.pr.url));
}

export function registerPageRoutes(app: FastifyInstance, deps: PageDeps): void {
  const { store, forge } = deps;
  const hasPrs = Boolean(forge?.getPullRequest);

  app.get('/static/app.css', async (_req, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(CSS),
  );

  app.get('/', async (req, reply) => {
    // `/?target=NAME` shows one target's tickets; a name that is no target shows them all.
    const wanted = (req.query as { target?: string }).target;
    const filter = wanted && deps.targets.includes(wanted) ? wanted : undefined;
    const [data, workers] = await Promise.all([loadQueueData(store, filter), deps.workers?.()]);
    return sendPage(reply, (nonce) =>
      renderQueuePage({
        ...data,
        workers,
        filter,
        now: Date.now(),
        nonce,
        scripted: deps.scripted,
        hasPrs,
        targets: deps.targets,
      }),
    );
  });

  app.post('/tickets', async (req, reply) => {
    const body = parseOrThrow(submitSchema, req.body);
    const { ticket } = await submitFromWeb(store, body, deps.targets);
    return reply.redirect(`/tickets/${encodeURIComponent(ticket.id)}`, 303);
  });

  app.get('/tickets/:id', async (req, reply) => {
    const ticket = await mustGet(store, (req.params as { id: string }).id);
    const [timeline, position, evidence, diff] = await Promise.all([
      store.timeline(ticket.id),
      ticket.status === 'queued' ? store.position(ticket.id) : Promise.resolve(undefined),
      readEvidenceView(deps.evidenceRoot, ticket),
      readDiff(deps.evidenceRoot, ticket.id),
    ]);
    return sendPage(reply, (nonce) =>
      renderTicketPage({
        ticket,
        timeline,
        position,
        evidence,
        diff,
        now: Date.now(),
        nonce,
        scripted: deps.scripted,
        hasPrs,
      }),
    );
  });

  for (const action of ['cancel', 'retry'] as const) {
    app.post(`/tickets/:id/${action}`, async (req, reply) => {
      const { id } = req.params as { id: string };
      await mustGet(store, id);
      if (action === 'cancel') await store.cancel(id, 'cancelled from the web');
      else await store.retry(id);
      return reply.redirect(`/tickets/${encodeURIComponent(id)}`, 303);
    });
  }

  app.get('/prs', async (_req, reply) => {
    if (!forge?.listPullRequests)
      throw new CodedError(ErrorCode.NotFound, 'no forge with pull requests here');
    const prs = await forge.listPullRequests();
    return sendPage(reply, (nonce) => renderPrListPage(prs, { nonce, scripted: deps.scripted }));
  });

  app.get('/prs/:number', async (req, reply) => {
    const number = Number((req.params as { number: string }).number);
    const pr = Number.isInteger(number) ? await forge?.getPullRequest?.(number) : undefined;
    if (!pr)
      throw new CodedError(
        ErrorCode.NotFound,
        `no pull request #${(req.params as { number: string }).number}`,
      );
    const ticket = await findTicketForPr(store, pr.number, pr.ticketId);
    const [evidence, ticketDiff] = ticket
      ? await Promise.all([
          readEvidenceView(deps.evidenceRoot, ticket),
          readDiff(deps.evidenceRoot, ticket.id),
        ])
      : [emptyEvidence(), undefined];
    const notice = (req.query as { merged?: string }).merged ? 'Merged.' : undefined;
    return sendPage(reply, (nonce) =>
      renderPrPage({
        pr,
        ticket,
        evidence,
        diff: pr.diff ?? ticketDiff,
        canMerge: Boolean(forge?.merge),
        nonce,
        scripted: deps.scripted,
        notice,
      }),
    );
  });

  app.post('/prs/:number/merge', async (req, reply) => {
    const number = Number((req.params as { number: string }).number);
    if (!forge?.merge || !Number.isInteger(number))
      throw new CodedError(ErrorCode.NotFound, 'this forge cannot merge');
    await forge.merge(number);
    return reply.redirect(`/prs/${number}?merged=1`, 303);
  });
}
