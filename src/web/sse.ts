/**
 * `/api/events`: a Server-Sent Events stream of ticket changes from `store.subscribe`. The queue
 * page gets server-rendered rows (`row`, only one target's with `?target=NAME`) and queue
 * positions (`positions`); a ticket page
 * (`?ticket=ID`) gets transcript entries (`entry`) and a fresh head and stage timeline (`ticket`).
 * One store subscription feeds every client; changes are handled in order.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { TicketEvent } from '../core/events.ts';
import { isTerminal, type Ticket } from '../core/ticket.ts';
import type { Logger } from '../core/log.ts';
import type { TicketStore } from '../tickets/types.ts';
import { renderInflightRow, renderRecentRow } from './render/queue.ts';
import { renderStages, renderTicketHead } from './render/ticket.ts';
import { renderEvent, renderToolResult } from './render/transcript.ts';
import { formatDuration } from './render/format.ts';
import { LOCKED_CSP } from './csp.ts';
import { queuePositions } from './positions.ts';

interface Client {
  res: ServerResponse;
  /** Only this ticket's changes (a ticket page); all tickets' rows when absent (the queue page). */
  ticketId?: string;
  /** The queue page filtered to one target (`?target=NAME`): only that target's rows. */
  target?: string;
}

const HEARTBEAT_MS = 15_000;
const POSITIONS_DEBOUNCE_MS = 150;
/** How many queued tickets get their position pushed; deeper ones show it after a reload. */
const POSITIONS_LIMIT = 200;

export class SseHub {
  private clients = new Set<Client>();
  private unsubscribe: (() => void) | undefined;
  private chain: Promise<void> = Promise.resolve();
  private lastSignature = new Map<string, string>();
  private positionsTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout;
  private readonly store: TicketStore;
  private readonly log: Logger | undefined;

  constructor(store: TicketStore, log?: Logger) {
    this.store = store;
    this.log = log;
    this.heartbeat = setInterval(() => this.broadcast(': ping\n\n', () => true), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Registers `GET /api/events`. */
  register(app: FastifyInstance): void {
    app.get('/api/events', (req, reply) => {
      const query = req.query as { ticket?: string; target?: string };
      const ticketId = query.ticket || undefined;
      const target = query.target || undefined;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-content-type-options': 'nosniff',
        'content-security-policy': LOCKED_CSP,
      });
      res.write('retry: 3000\n\n: connected\n\n');
      const client: Client = { res, ticketId, ...(target ? { target } : {}) };
      this.clients.add(client);
      this.ensureSubscribed();
      res.on('close', () => this.clients.delete(client));
    });
  }

  get size(): number {
    return this.clients.size;
  }

  close(): void {
    clearInterval(this.heartbeat);
    clearTimeout(this.positionsTimer);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const c of this.clients) c.res.end();
    this.clients.clear();
  }

  private ensureSubscribed(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.store.subscribe((change) => {
      this.chain = this.chain
        .then(() => this.handle(change.ticket, change.event))
        .catch((error: unknown) => this.log?.warn({ err: error }, 'SSE change not delivered'));
    });
  }

  private send(client: Client, event: string, data: unknown): void {
    client.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private broadcast(chunk: string, match: (c: Client) => boolean): void {
    for (const c of this.clients) if (match(c)) c.res.write(chunk);
  }

  private async handle(ticket: Ticket, event: TicketEvent | undefined): Promise<void> {
    if (!this.clients.size) return;
    const signature = `${ticket.status}|${ticket.stage}|${ticket.updatedAt}|${ticket.pr?.number ?? ''}`;
    const changed = this.lastSignature.get(ticket.id) !== signature;
    if (changed) {
      // Only a dedup hint: forgetting it costs one redundant row, so the map stays bounded.
      if (this.lastSignature.size > 10_000) this.lastSignature.clear();
      this.lastSignature.set(ticket.id, signature);
    }
    const queueClients = [...this.clients].filter(
      (c) => !c.ticketId && (!c.target || c.target === ticket.target),
    );
    const pageClients = [...this.clients].filter((c) => c.ticketId === ticket.id);

    if (changed && queueClients.length) {
      const terminal = isTerminal(ticket.status);
      const position = ticket.status === 'queued' ? await this.store.position(ticket.id) : undefined;
      const row = terminal ? renderRecentRow(ticket) : renderInflightRow(ticket, position, Date.now());
      for (const c of queueClients)
        this.send(c, 'row', { id: ticket.id, section: terminal ? 'recent' : 'inflight', html: row.value });
      this.schedulePositions();
    }

    if (!pageClients.length) return;
    if (event && event.type !== 'usage') {
      const msg =
        event.type === 'tool_result'
          ? {
              kind: event.type,
              callId: event.callId,
              ok: event.ok,
              duration: formatDuration(event.durationMs),
              html: renderToolResult(event).value,
              item: renderEvent(event).value,
            }
          : { kind: event.type, html: renderEvent(event).value };
      for (const c of pageClients) this.send(c, 'entry', msg);
    }
    if (changed) {
      const [timeline, position] = await Promise.all([
        this.store.timeline(ticket.id),
        ticket.status === 'queued' ? this.store.position(ticket.id) : Promise.resolve(undefined),
      ]);
      const msg = {
        head: renderTicketHead(ticket, position).value,
        stages: renderStages(ticket, timeline, Date.now()).value,
        terminal: isTerminal(ticket.status),
      };
      for (const c of pageClients) this.send(c, 'ticket', msg);
    }
  }

  /** Positions shift for every queued ticket when one leaves the queue; pushed once per burst. */
  private schedulePositions(): void {
    if (this.positionsTimer) return;
    this.positionsTimer = setTimeout(() => {
      this.positionsTimer = undefined;
      this.chain = this.chain
        .then(async () => {
          const queued = await this.store.list({ status: ['queued'], limit: POSITIONS_LIMIT });
          const positions = await queuePositions(this.store, queued);
          for (const c of this.clients) if (!c.ticketId) this.send(c, 'positions', { positions });
        })
        .catch((error: unknown) => this.log?.warn({ err: error }, 'queue positions not delivered'));
    }, POSITIONS_DEBOUNCE_MS);
  }
}
