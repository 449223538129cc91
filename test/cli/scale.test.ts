/**
 * Scale-out on a real Postgres: one `start --no-worker` and two `worker` processes share a database
 * and a queue; six tickets with a scripted trajectory on a tiny app, each done exactly once. One
 * worker is killed with SIGKILL mid-ticket: its ticket's lease expires, the other worker retries it
 * (attempt counted, the dead sandbox swept), and the ticket ends with exactly one PR.
 */
import type { ChildProcess } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ticket } from '../../src/core/ticket.ts';
import { ADMIN_URL, databaseUrl, runPostgresTests } from '../helpers/postgres.ts';
import { finished, launch as spawnCli, ROOT, tempDir, waitUntil, type Launched } from './process.ts';

// Deadlines, a generous multiple of the figures on a busy 2-core machine (load ~20): the web
// server answered after ~40 s, a ticket was coding ~30 s after the workers started, and all six
// ended within ~200 s (one waits out a 6 s lease).
const START_MS = 120_000;
const CODING_MS = 180_000;
const ALL_DONE_MS = 480_000;
const QUICK_MS = 90_000;
const TERMINAL = ['pr_opened', 'failed', 'rejected', 'cancelled'];

describe.skipIf(!(await runPostgresTests()))('scale-out on Postgres: web + two workers', () => {
  const tmp = tempDir('lw-scale-');
  const dbName = `lw_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
  const dbUrl = databaseUrl(dbName);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const base = `http://127.0.0.1:${port}`;
  const procs: ChildProcess[] = [];
  const launched: Launched[] = [];
  let env: NodeJS.ProcessEnv;

  const launch = (...args: string[]) => {
    const p = spawnCli(args, { env }, procs);
    launched.push(p);
    return p.child;
  };
  const cli = (...args: string[]) =>
    finished(spawnCli(args, { env }, procs), `loopwright ${args.join(' ')}`, QUICK_MS);
  const api = async <T>(p: string, init?: RequestInit): Promise<T> => {
    const res = await fetch(`${base}${p}`, { ...init, headers: { 'content-type': 'application/json' } });
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    const app = path.join(tmp.home, 'tiny-app');
    cpSync(path.join(ROOT, 'test/cli/fixtures/tiny-app'), app, { recursive: true });
    env = {
      ...process.env,
      DATABASE_URL: dbUrl,
      LOOPWRIGHT_HOME: path.join(tmp.home, 'home'),
      LOOPWRIGHT_PORT: String(port),
      LOOPWRIGHT_REPO: app,
      LOOPWRIGHT_TARGET: 'tiny',
      LOOPWRIGHT_TRAJECTORY: path.join(ROOT, 'test/cli/fixtures/tiny-saved.jsonl'),
      LOOPWRIGHT_LEASE_SECONDS: '6',
      LOOPWRIGHT_LOG_LEVEL: 'warn',
      OPENAI_API_KEY: '',
      OPENAI_BASE_URL: '',
      VITEST: '',
    };
  });

  afterAll(async () => {
    const running = procs.filter((p) => p.exitCode === null && p.signalCode === null);
    for (const p of running) p.kill('SIGKILL');
    await Promise.all(running.map((p) => new Promise((r) => p.once('close', r))));
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    tmp.cleanup();
  });

  it(
    'runs six tickets exactly once, surviving a worker killed mid-ticket',
    { timeout: START_MS + CODING_MS + ALL_DONE_MS + 4 * QUICK_MS },
    async () => {
      launch('start', '--no-worker');
      await waitUntil(
        () => fetch(`${base}/healthz`).then((r) => r.status),
        (status) => status === 200,
        `${base}/healthz answering 200`,
        START_MS,
      );
      const w1 = launch('worker');
      const w2 = launch('worker');

      // Exactly-once intake through the CLI: the same --id twice is one ticket.
      const first = await cli('submit', 'Show Saved on the page (cli)', '--id', 'scale-cli', '--json');
      const again = await cli('submit', 'Show Saved on the page (cli)', '--id', 'scale-cli', '--json');
      expect(first.code).toBe(0);
      const cliTicket = JSON.parse(first.stdout.trim().split('\n').at(-1)!) as Ticket;
      expect((JSON.parse(again.stdout.trim().split('\n').at(-1)!) as Ticket).id).toBe(cliTicket.id);
      const ids = [cliTicket.id];
      for (let i = 0; i < 5; i++) {
        const { ticket } = await api<{ ticket: Ticket }>('/api/tickets', {
          method: 'POST',
          body: JSON.stringify({ text: `Show Saved on the page (${i})`, id: `scale-${i}` }),
        });
        ids.push(ticket.id);
      }
      expect(new Set(ids).size).toBe(6);

      // Kill the worker holding a ticket once that ticket is coding.
      const pids = new Map([
        [w1.pid!, w1],
        [w2.pid!, w2],
      ]);
      const findVictim = async () => {
        for (const id of ids) {
          const t = await api<Ticket>(`/api/tickets/${id}`);
          if (t.status !== 'running' || t.stage !== 'coding') continue;
          const { entries } = await api<{ entries: { event: { type: string; text?: string } }[] }>(
            `/api/tickets/${id}/timeline`,
          );
          const on = entries
            .flatMap((e) => (e.event.type === 'log' ? [/on [^:]+:(\d+)$/.exec(e.event.text ?? '')?.[1]] : []))
            .at(-1);
          if (on && pids.has(Number(on))) return { ticketId: id, pid: Number(on) };
        }
        return undefined;
      };
      const victim = await waitUntil(
        findVictim,
        (v) => v !== undefined,
        'a ticket coding on a worker',
        CODING_MS,
      );
      expect(victim).toBeDefined();
      pids.get(victim!.pid)!.kill('SIGKILL');

      const statuses = () => Promise.all(ids.map((id) => api<Ticket>(`/api/tickets/${id}`)));
      const tickets = await waitUntil(
        statuses,
        (ts) => ts.every((t) => TERMINAL.includes(t.status)),
        'all six tickets finished',
        ALL_DONE_MS,
        { intervalMs: 500, describe: (ts) => ts.map((t) => `${t.id} ${t.status}/${t.stage}`).join(', ') },
      );
      const diag = () =>
        launched
          .map((p) => p.output().slice(-20_000))
          .join('\n---\n')
          .slice(-4000);
      for (const t of tickets)
        expect(t.status, `${t.id} ${JSON.stringify(t.error)}\n${diag()}`).toBe('pr_opened');
      const killed = tickets.find((t) => t.id === victim!.ticketId)!;
      expect(killed.attempts).toBe(2);

      // Each ticket finished once, and has exactly one PR.
      const db = new pg.Client({ connectionString: dbUrl });
      await db.connect();
      try {
        const finished = await db.query(
          `SELECT ticket_id, count(*)::int AS n FROM ticket_events WHERE type = 'finished' GROUP BY ticket_id`,
        );
        expect(finished.rows.map((r) => r.n)).toEqual([1, 1, 1, 1, 1, 1]);
        const prs = await db.query(
          `SELECT ticket_id, count(*)::int AS n FROM pull_requests GROUP BY ticket_id`,
        );
        expect(prs.rows).toHaveLength(6);
        expect(prs.rows.every((r) => r.n === 1)).toBe(true);
      } finally {
        await db.end();
      }
      // The dead worker's sandbox was swept by the retry.
      const sandboxes = path.join(env.LOOPWRIGHT_HOME!, 'sandboxes');
      const owners = existsSync(sandboxes)
        ? readdirSync(sandboxes).flatMap((d) => {
            const f = path.join(sandboxes, d, 'state.json');
            return existsSync(f)
              ? [(JSON.parse(readFileSync(f, 'utf8')) as { ownerPid: number }).ownerPid]
              : [];
          })
        : [];
      expect(owners).not.toContain(victim!.pid);

      // `status` against the shared database lists them.
      const status = await cli('status', '--json');
      const listed = JSON.parse(status.stdout.trim().split('\n').at(-1)!) as Ticket[];
      expect(ids.every((id) => listed.some((t) => t.id === id))).toBe(true);
    },
  );
});
