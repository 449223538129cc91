/**
 * `/metrics` in the Prometheus text format: tickets by status and queue depth (read from the store
 * at scrape time), stage durations of finished tickets, and token and cost counters from `usage`
 * events, all labelled by target. Each server has its own registry, so several can run in one process (tests).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TicketEvent } from '../core/events.ts';
import { TICKET_STATUSES, type Ticket, type TicketStatus, type Timings } from '../core/ticket.ts';
import type { TicketStore } from '../tickets/types.ts';

const STAGE_TIMINGS: [string, keyof Timings][] = [
  ['queued', 'queuedMs'],
  ['preparing', 'preparingMs'],
  ['coding', 'codingMs'],
  ['verifying', 'verifyingMs'],
  ['reviewing', 'reviewingMs'],
  ['publishing', 'publishingMs'],
  ['total', 'totalMs'],
];

export interface WebMetrics {
  registry: Registry;
  /** Feeds one store change into the counters and histograms. */
  observe(change: { ticket: Ticket; event?: TicketEvent }): void;
}

/** `targets`: the deployment's targets, reported (as zeros) before they have any ticket. */
export function createMetrics(store: TicketStore, targets: string[] = []): WebMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'loopwright_' });
  // Read at scrape time; reset first, so a label set that no longer exists does not linger.
  const byTarget = async () => {
    const counts = await store.countsByTarget();
    const zero = Object.fromEntries(TICKET_STATUSES.map((s) => [s, 0])) as Record<TicketStatus, number>;
    for (const t of targets) counts[t] ??= { ...zero };
    return counts;
  };
  new Gauge({
    name: 'loopwright_tickets',
    help: 'Tickets by status and target',
    labelNames: ['status', 'target'],
    registers: [registry],
    async collect() {
      const counts = await byTarget();
      this.reset();
      for (const [target, statuses] of Object.entries(counts))
        for (const [status, n] of Object.entries(statuses)) this.set({ status, target }, n);
    },
  });
  new Gauge({
    name: 'loopwright_queue_depth',
    help: 'Tickets waiting for a worker, by target',
    labelNames: ['target'],
    registers: [registry],
    async collect() {
      const counts = await byTarget();
      this.reset();
      for (const [target, statuses] of Object.entries(counts)) this.set({ target }, statuses.queued);
    },
  });
  const stageSeconds = new Histogram({
    name: 'loopwright_stage_duration_seconds',
    help: 'Time spent per stage by finished tickets',
    labelNames: ['stage', 'target'],
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600],
    registers: [registry],
  });
  const finished = new Counter({
    name: 'loopwright_tickets_finished_total',
    help: 'Tickets that reached a terminal status',
    labelNames: ['status', 'target'],
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'loopwright_tokens_total',
    help: 'Model tokens used',
    labelNames: ['agent', 'model', 'kind', 'target'],
    registers: [registry],
  });
  const cost = new Counter({
    name: 'loopwright_cost_usd_total',
    help: 'Model cost in USD (models with a configured price)',
    labelNames: ['agent', 'model', 'target'],
    registers: [registry],
  });

  return {
    registry,
    observe({ ticket, event }) {
      if (event?.type === 'usage') {
        const labels = { agent: event.agent, model: event.model, target: ticket.target };
        tokens.inc({ ...labels, kind: 'prompt' }, event.usage.promptTokens);
        tokens.inc({ ...labels, kind: 'completion' }, event.usage.completionTokens);
        tokens.inc({ ...labels, kind: 'cached' }, event.usage.cachedTokens);
        if (event.usage.costUsd) cost.inc(labels, event.usage.costUsd);
      } else if (event?.type === 'finished') {
        finished.inc({ status: event.status, target: ticket.target });
        for (const [stage, key] of STAGE_TIMINGS) {
          const ms = ticket.timings[key];
          if (ms !== undefined) stageSeconds.observe({ stage, target: ticket.target }, ms / 1000);
        }
      }
    },
  };
}
