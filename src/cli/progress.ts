/**
 * Following a ticket from the terminal: on a TTY one live line (stage, elapsed, last action) above
 * which stage changes scroll; otherwise plain timestamped lines. Works from any process by polling
 * the ticket and its timeline (through the store, or the HTTP API of a running server).
 */
import type { TicketEvent } from '../core/events.ts';
import { isTerminal, type Ticket } from '../core/ticket.ts';
import type { TimelineEntry } from '../tickets/types.ts';

export interface TicketSource {
  get(id: string): Promise<Ticket | undefined>;
  timeline(id: string, afterSeq?: number): Promise<TimelineEntry[]>;
}

export interface FollowOptions {
  /** Where progress goes (stderr by default, so stdout stays for results and `--json`). */
  write?: (text: string) => void;
  tty?: boolean;
  intervalMs?: number;
  signal?: AbortSignal;
}

const short = (v: unknown, n = 60): string => {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
};

function argSummary(args: unknown): string {
  if (!args || typeof args !== 'object') return '';
  const a = args as Record<string, unknown>;
  const v = a.path ?? a.url ?? a.command ?? a.element ?? a.pattern ?? a.key ?? a.title ?? a.text;
  return v === undefined ? '' : ` ${short(v)}`;
}

/** One line for an event, or undefined for events that only move the live line. */
export function describeEvent(e: TicketEvent): string | undefined {
  switch (e.type) {
    case 'stage':
      return `stage: ${e.stage}`;
    case 'status':
      return `status: ${e.status}`;
    case 'tool_call':
      return `${e.agent}: ${e.name}${argSummary(e.args)}`;
    case 'tool_result':
      return e.ok ? undefined : `${e.agent}: ${e.name} failed: ${short(e.summary, 100)}`;
    case 'proof':
      return `proof: ${e.outcome} — ${short(e.detail, 120)}`;
    case 'review':
      return `review (round ${e.round}): ${e.verdict}${e.comments.length ? ` — ${short(e.comments[0]!.body, 100)}` : ''}`;
    case 'reviewer_verdict':
      return `  ${e.reviewer}${e.required ? '' : ' (not required)'}: ${e.verdict}${e.comments.length ? ` — ${short(e.comments[0]!.body, 100)}` : ''}`;
    case 'guardrail':
      return `guardrails: ${e.ok ? 'ok' : 'refused'}${e.findings.length ? ` (${short(e.findings.join('; '), 120)})` : ''}`;
    case 'log':
      return `${e.level === 'warn' ? 'warning: ' : ''}${short(e.text, 160)}`;
    case 'error':
      return `error ${e.code}: ${short(e.message, 200)}`;
    case 'finished':
      return `finished: ${e.status}`;
    case 'message':
    case 'usage':
      return undefined;
  }
}

const clock = (at: string) => new Date(at).toISOString().slice(11, 19);
const SPIN = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Polls until the ticket is terminal; returns it. */
export async function followTicket(src: TicketSource, id: string, opts: FollowOptions = {}): Promise<Ticket> {
  const write = opts.write ?? ((t: string) => void process.stderr.write(t));
  const tty = opts.tty ?? false;
  const started = Date.now();
  let after = 0;
  let last = 'waiting for a worker';
  let stage = 'queued';
  let frame = 0;
  const live = () => {
    const secs = Math.round((Date.now() - started) / 1000);
    const line = `${SPIN[frame++ % SPIN.length]} ${stage} · ${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, '0')} · ${last}`;
    write(`\r\x1b[2K${line.slice(0, (process.stderr.columns || 100) - 1)}`);
  };
  const timer = tty ? setInterval(live, 200) : undefined;
  try {
    for (;;) {
      opts.signal?.throwIfAborted();
      const entries = await src.timeline(id, after);
      for (const { seq, event } of entries) {
        after = seq;
        const text = describeEvent(event);
        if (event.type === 'stage') stage = event.stage;
        if (!text) continue;
        if (tty) {
          last = text;
          if (
            event.type === 'stage' ||
            event.type === 'error' ||
            event.type === 'proof' ||
            event.type === 'finished'
          ) {
            write(`\r\x1b[2K${clock(event.at)}  ${text}\n`);
          }
        } else {
          write(`${clock(event.at)}  ${text}\n`);
        }
      }
      const ticket = await src.get(id);
      if (ticket && isTerminal(ticket.status)) {
        // Flush events written just before the final status.
        for (const { event } of await src.timeline(id, after)) {
          const text = describeEvent(event);
          if (text && (!tty || event.type === 'finished' || event.type === 'error'))
            write(`${tty ? '\r\x1b[2K' : ''}${clock(event.at)}  ${text}\n`);
        }
        return ticket;
      }
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 300));
    }
  } finally {
    if (timer) {
      clearInterval(timer);
      write('\r\x1b[2K');
    }
  }
}

/** The source for a server's HTTP API (a second process cannot open an embedded database). */
export function httpSource(baseUrl: string, token?: string): TicketSource {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return {
    async get(id) {
      const res = await fetch(`${baseUrl}/api/tickets/${id}`, { headers });
      if (res.status === 404) return undefined;
      return (await res.json()) as Ticket;
    },
    async timeline(id, afterSeq = 0) {
      const res = await fetch(`${baseUrl}/api/tickets/${id}/timeline?after=${afterSeq}`, { headers });
      return ((await res.json()) as { entries: TimelineEntry[] }).entries;
    },
  };
}

/** What a person reads at the end of a ticket: where to look, or what went wrong and what to do. */
export function summarize(t: Ticket, urls: { ticket: string; evidence?: (rel: string) => string }): string[] {
  const lines = [`Ticket ${t.id}: ${t.status}`, `  ticket page: ${urls.ticket}`];
  if (t.pr) lines.push(`  pull request: ${t.pr.url}${t.pr.draft ? ' (draft)' : ''}`);
  if (t.evidence?.video)
    lines.push(`  video: ${urls.evidence ? urls.evidence('head.webm') : t.evidence.video}`);
  if (t.error) lines.push(`  error ${t.error.code}: ${t.error.message}`);
  const tm = t.timings;
  const s = (ms?: number) => (ms === undefined ? '–' : `${(ms / 1000).toFixed(1)}s`);
  lines.push(
    `  timings: queued ${s(tm.queuedMs)} · preparing ${s(tm.preparingMs)} · coding ${s(tm.codingMs)} · verifying ${s(tm.verifyingMs)} · reviewing ${s(tm.reviewingMs)} · publishing ${s(tm.publishingMs)} · total ${s(tm.totalMs)} (model ${s(tm.modelMs)})`,
  );
  return lines;
}
