/**
 * Scale-out on a real Postgres: one `start --no-worker` and two `worker` processes share a database
 * and a queue; six tickets with a scripted trajectory on a tiny app, each done exactly once. One
 * worker is killed with SIGKILL mid-ticket: its ticket's lease expires, the other worker retries it
 * (attempt counted, the dead sandbox swept), and the ticket ends with exactly one PR.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ticket } from '../../src/core/ticket.ts';
import { ADMIN_URL, databaseUrl, runPostgresTests } from '../helpers/postgres.ts';
import { tempHome } from '../tickets/helpers.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const NODE = path.join(ROOT, 'node_modules/.bin/node');
const MAIN = path.join(ROOT, 'src/cli/main.ts');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!(await runPostgresTests()))('scale-out on Postgres: web + two workers', () => {
  const tmp = tempHome('lw-scale-');
  const dbName = `lw_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
  const dbUrl = databaseUrl(dbName);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const base = `http://127.0.0.1:${port}`;
  const procs: ChildProcess[] = [];
  const output = new Map<ChildProcess, string>();
  let env: NodeJS.ProcessEnv;

  const launch = (...args: string[]) => {
    const child = spawn(NODE, [MAIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    output.set(child, '');
    const keep = (d: Buffer) => output.set(child, (output.get(child)! + d.toString()).slice(-20_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    procs.push(child);
    return child;
  };
  const cli = (...args: string[]) =>
    new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(NODE, [MAIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('close', (code) => resolve({ code, stdout }));
    });
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
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await sleep(300);
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    tmp.cleanup();
  });

  it(
    'runs six tickets exactly once, surviving a worker killed mid-ticket',
    { timeout: 300_000 },
    async () => {
      launch('start', '--no-worker');
      for (let i = 0; i < 100; i++) {
        if (
          await fetch(`${base}/healthz`).then(
            (r) => r.ok,
            () => false,
          )
        )
          break;
        await sleep(200);
      }
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
      let victim: { ticketId: string; pid: number } | undefined;
      for (let i = 0; i < 300 && !victim; i++) {
        for (const id of ids) {
          const t = await api<Ticket>(`/api/tickets/${id}`);
          if (t.status !== 'running' || t.stage !== 'coding') continue;
          const { entries } = await api<{ entries: { event: { type: string; text?: string } }[] }>(
            `/api/tickets/${id}/timeline`,
          );
          const on = entries
            .flatMap((e) => (e.event.type === 'log' ? [/on [^:]+:(\d+)$/.exec(e.event.text ?? '')?.[1]] : []))
            .at(-1);
          if (on && pids.has(Number(on))) victim = { ticketId: id, pid: Number(on) };
        }
        if (!victim) await sleep(200);
      }
      expect(victim).toBeDefined();
      pids.get(victim!.pid)!.kill('SIGKILL');

      const deadline = Date.now() + 240_000;
      let tickets: Ticket[] = [];
      while (Date.now() < deadline) {
        tickets = await Promise.all(ids.map((id) => api<Ticket>(`/api/tickets/${id}`)));
        if (tickets.every((t) => ['pr_opened', 'failed', 'rejected', 'cancelled'].includes(t.status))) break;
        await sleep(500);
      }
      const diag = () => [...output.values()].join('\n---\n').slice(-4000);
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
