/**
 * `submit` and `status`. On a Postgres server these talk to the database directly; on the embedded
 * database, which only one process may open, they go through the running server's HTTP API.
 */
import os from 'node:os';
import type { Config } from '../config/schema.ts';
import { CodedError, ErrorCode } from '../core/errors.ts';
import type { Ticket } from '../core/ticket.ts';
import { openDb } from '../tickets/db.ts';
import { openTickets } from '../tickets/index.ts';
import { migrate } from '../tickets/migrations.ts';
import { createTicketStore } from '../tickets/store.ts';
import type { Flags } from './flags.ts';
import { followTicket, httpSource, summarize, type TicketSource } from './progress.ts';
import { publicUrlOf } from './runtime.ts';

/**
 * The running server for this home, if one answers (only asked when on the embedded database).
 * With no server the connection is refused at once; a server that is slow to answer (a busy
 * machine) is waited for, because opening the embedded database beside it is not an option.
 */
async function localServer(config: Config): Promise<string | undefined> {
  if (config.databaseUrl) return undefined;
  const url = publicUrlOf(config);
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(15_000) });
    // A 503 is a server that answers but reports a problem (a worker that cannot verify): it still
    // takes tickets, which wait in the queue for a worker that can.
    return res.ok || res.status === 503 ? url : undefined;
  } catch {
    return undefined;
  }
}

const authHeaders = (config: Config): Record<string, string> =>
  config.uiToken ? { authorization: `Bearer ${config.uiToken}` } : {};

async function apiJson<T>(config: Config, url: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(url, {
    ...init,
    headers: {
      'content-type': 'application/json',
      ...authHeaders(config),
      ...(init.headers as Record<string, string>),
    },
  });
  const body = (await res.json()) as T & { error?: { code: string; message: string } };
  if (!res.ok) {
    throw new CodedError(
      ErrorCode.BadRequest,
      `the server answered ${res.status}: ${body.error?.message ?? ''}`,
      {
        hint: res.status === 401 ? 'set LOOPWRIGHT_UI_TOKEN to the server’s token' : undefined,
      },
    );
  }
  return body;
}

export function printResult(ticket: Ticket, flags: Flags, lines: string[]): void {
  for (const l of lines) console.log(l);
  if (flags.json) console.log(JSON.stringify(ticket));
}

export async function runSubmit(config: Config, text: string, flags: Flags): Promise<number> {
  const server = await localServer(config);
  const publicUrl = publicUrlOf(config);
  let ticket: Ticket;
  let created: boolean;
  let source: TicketSource;
  let close = async () => {};
  if (server) {
    const out = await apiJson<{ ticket: Ticket; created: boolean }>(config, `${server}/api/tickets`, {
      method: 'POST',
      body: JSON.stringify({
        text,
        target: config.target,
        requester: os.userInfo().username,
        source: 'cli',
        ...(flags.id ? { id: flags.id } : {}),
      }),
    });
    ({ ticket, created } = out);
    source = httpSource(server, config.uiToken);
  } else {
    const tickets = await openTickets(config);
    close = () => tickets.close();
    const out = await tickets.store.submit({
      target: config.target,
      request: {
        text,
        source: 'cli',
        requester: os.userInfo().username,
        ...(flags.id ? { sourceKey: `cli:${flags.id}` } : {}),
      },
    });
    ({ ticket, created } = out);
    source = tickets.store;
    if (flags.wait && tickets.db.kind === 'pglite') {
      await close();
      throw new CodedError(
        ErrorCode.BadRequest,
        `queued ${ticket.id}, but no server runs on this embedded database to work on it`,
        {
          hint: 'start one with `loopwright start` (the ticket waits in the queue), or use `loopwright run` to run a request in this process',
        },
      );
    }
  }
  try {
    console.log(
      created
        ? `Queued ${ticket.id} — ${publicUrl}/tickets/${ticket.id}`
        : `Already submitted as ${ticket.id} (${ticket.status})`,
    );
    if (!flags.wait) {
      if (flags.json) console.log(JSON.stringify(ticket));
      return 0;
    }
    const done = await followTicket(source, ticket.id, { tty: process.stderr.isTTY && !flags.json });
    printResult(
      done,
      flags,
      summarize(done, {
        ticket: `${publicUrl}/tickets/${done.id}`,
        evidence: (rel) => `${publicUrl}/evidence/${done.id}/${rel}`,
      }),
    );
    return done.status === 'pr_opened' ? 0 : 1;
  } finally {
    await close();
  }
}

export async function runStatus(config: Config, flags: Flags): Promise<number> {
  const server = await localServer(config);
  let tickets: Ticket[];
  if (server) {
    const only = flags.target ? `&target=${encodeURIComponent(flags.target)}` : '';
    tickets = (await apiJson<{ tickets: Ticket[] }>(config, `${server}/api/tickets?limit=50${only}`)).tickets;
  } else {
    const db = await openDb(config);
    try {
      await migrate(db);
      tickets = await createTicketStore(db).list({ limit: 50, target: flags.target });
    } finally {
      await db.close();
    }
  }
  if (!tickets.length) console.log('No tickets yet. Try `loopwright demo`.');
  for (const t of tickets) {
    const age = Math.round((Date.now() - Date.parse(t.createdAt)) / 60_000);
    const text = t.request.text.replace(/\s+/g, ' ');
    console.log(
      `${t.id}  ${t.status.padEnd(9)}  ${t.stage.padEnd(10)}  ${String(age).padStart(4)}m ago  ${t.target.padEnd(10)}  ${text.length > 60 ? `${text.slice(0, 59)}…` : text}${t.pr ? `  ${t.pr.url}` : ''}`,
    );
  }
  if (flags.json) console.log(JSON.stringify(tickets));
  return 0;
}
