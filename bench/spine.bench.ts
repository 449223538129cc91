// The spine's figures: per-stage timings of the demo ticket (cold and warm) and the orchestration
// overhead (total minus model time), submit-to-claim latency through the queue, and the queue
// page's server time with 10,000 tickets in the store. Run: node bench/spine.bench.ts [--no-demo]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { configSchema } from '../src/config/schema.ts';
import { CodedError, ErrorCode } from '../src/core/errors.ts';
import type { Ticket } from '../src/core/ticket.ts';
import { openTickets, type Tickets } from '../src/tickets/index.ts';
import type { PipelineDeps } from '../src/tickets/pipeline.ts';
import { startWorker } from '../src/tickets/worker.ts';
import { renderQueuePage } from '../src/web/render/queue.ts';
import { loadQueueData } from '../src/web/routes/pages.ts';
import { ADMIN_URL, databaseUrl, pgReachable } from '../test/helpers/postgres.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const noDemo = process.argv.includes('--no-demo');

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const q = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
const fmt = (xs: number[]) =>
  `median ${median(xs).toFixed(1)} ms (IQR ${q(xs, 0.25).toFixed(1)}–${q(xs, 0.75).toFixed(1)}, min–max ${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}, n=${xs.length})`;

async function withBackend<T>(kind: 'pglite' | 'postgres', fn: (t: Tickets) => Promise<T>): Promise<T> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'lw-bench-'));
  const dbName = `lw_bench_${Date.now().toString(36)}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: ADMIN_URL });
    await c.connect();
    await c.query(sql).finally(() => c.end());
  };
  if (kind === 'postgres') await admin(`CREATE DATABASE ${dbName}`);
  const t = await openTickets({
    home,
    databaseUrl: kind === 'postgres' ? databaseUrl(dbName) : undefined,
    maxAttempts: 1,
    target: 'datadesk',
  });
  try {
    return await fn(t);
  } finally {
    await t.close();
    if (kind === 'postgres') await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    rmSync(home, { recursive: true, force: true });
  }
}

/** Fills the store with finished tickets (and a few queued) in one statement. */
async function fill(t: Tickets, n: number, queued: number) {
  const ticket = (
    status: string,
  ) => `INSERT INTO tickets (id, status, stage, target, request, usage, timings, pr, created_at)
    SELECT 't_' || lpad(to_hex(g), 15, '0'), '${status}', 'done', 'datadesk',
      jsonb_build_object('text', 'Request number ' || g || ': on the revenue dashboard, clicking a legend entry should hide that line', 'source', 'slack', 'requester', 'U' || g),
      '{"promptTokens":85000,"completionTokens":1600,"cachedTokens":35000}'::jsonb,
      '{"totalMs":90000,"modelMs":200}'::jsonb,
      jsonb_build_object('url', 'http://127.0.0.1:4700/prs/' || g, 'number', g, 'branch', 'loopwright/x', 'draft', false),
      now() - (g || ' seconds')::interval`;
  await t.db.exec(`${ticket('pr_opened')} FROM generate_series(1, ${n - queued}) g`);
  const offset = n - queued;
  await t.db.exec(
    `${ticket('queued').replace("'done'", "'queued'")} FROM generate_series(${offset + 1}, ${n}) g`,
  );
}

async function queuePage(kind: 'pglite' | 'postgres') {
  const times: Record<number, number[]> = {};
  for (const n of [100, 10_000]) {
    times[n] = await withBackend(kind, async (t) => {
      await fill(t, n, 20);
      const out: number[] = [];
      for (let i = 0; i < 40; i++) {
        const t0 = performance.now();
        const data = await loadQueueData(t.store);
        const html = renderQueuePage({ ...data, now: Date.now(), nonce: 'n' });
        if (html.length < 1000) throw new Error('page too short');
        if (i >= 5) out.push(performance.now() - t0);
      }
      return out;
    });
  }
  console.log(`queue page (${kind}), list queries + counts + positions + render:`);
  console.log(`  100 tickets:    ${fmt(times[100]!)}`);
  console.log(`  10,000 tickets: ${fmt(times[10_000]!)}`);
  console.log(`  ratio 10,000 / 100: ${(median(times[10_000]!) / median(times[100]!)).toFixed(2)}×`);
}

async function claimLatency(kind: 'pglite' | 'postgres') {
  await withBackend(kind, async (t) => {
    // Baseline: the queue alone, send then fetch, no worker loop.
    const raw: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const { ticket } = await t.store.submit({
        request: { text: `raw ${i}`, source: 'cli', requester: 'b' },
      });
      const job = await t.queue.fetch();
      if (job?.ticketId !== ticket.id) throw new Error('unexpected job');
      raw.push(performance.now() - t0);
      await t.queue.complete(job);
    }
    // The worker: submit → the pipeline asks for a sandbox (the claim); stop there.
    const claimedAt = new Map<string, number>();
    const config = configSchema.parse({ home: os.tmpdir(), sandbox: 'none' });
    const pipeline: Omit<PipelineDeps, 'store'> = {
      config,
      forge: {
        kind: 'local',
        cloneUrl: () => '',
        gitEnv: () => ({}),
        publish: async () => {
          throw new Error('no');
        },
        findPullRequest: async () => undefined,
      },
      sandboxes: {
        acquire: async (req) => {
          claimedAt.set(req.ticketId, performance.now());
          throw new CodedError(ErrorCode.SandboxUnavailable, 'bench: stop at the claim');
        },
        warm: async () => {},
        sweep: async () => ({ processes: 0, worktrees: 0, namespaces: 0 }),
        close: async () => {},
      },
      runLoop: async function* () {
        throw new Error('unreachable');
      },
      evidenceUrl: () => '',
    };
    const worker = await startWorker({ store: t.store, queue: t.queue, pipeline, concurrency: 1 });
    const lat: number[] = [];
    for (let i = 0; i < 20; i++) {
      // Submit at a random phase of the worker's idle poll, as real requests arrive.
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 500));
      const t0 = performance.now();
      const { ticket } = await t.store.submit({
        request: { text: `claim ${i}`, source: 'cli', requester: 'b' },
      });
      while (!claimedAt.has(ticket.id)) await new Promise((r) => setTimeout(r, 5));
      lat.push(claimedAt.get(ticket.id)! - t0);
    }
    await worker.stop({ graceMs: 1000 });
    console.log(`submit → claim (${kind}), idle worker woken by the queued event (500 ms poll as fallback):`);
    console.log(`  baseline (submit + fetch, no worker): ${fmt(raw)}`);
    console.log(`  worker claim:                         ${fmt(lat)}`);
    console.log(`  ratio: ${(median(lat) / median(raw)).toFixed(1)}×`);
  });
}

function demo() {
  const home = mkdtempSync(path.join(os.tmpdir(), 'lw-bench-demo-'));
  const runs: { wallMs: number; ticket: Ticket }[] = [];
  try {
    for (const label of ['cold', 'warm']) {
      const t0 = performance.now();
      const r = spawnSync(
        path.join(ROOT, 'node_modules/.bin/node'),
        [path.join(ROOT, 'src/cli/main.ts'), 'demo', '--json'],
        {
          cwd: ROOT,
          env: {
            ...process.env,
            LOOPWRIGHT_HOME: home,
            OPENAI_API_KEY: '',
            OPENAI_BASE_URL: '',
            DATABASE_URL: '',
          },
          encoding: 'utf8',
          timeout: 600_000,
        },
      );
      const wallMs = performance.now() - t0;
      if (r.status !== 0) {
        console.log(`demo (${label}) failed: exit ${r.status}\n${r.stderr.slice(-2000)}`);
        return;
      }
      runs.push({ wallMs, ticket: JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Ticket });
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  const s = (ms?: number) => (ms === undefined ? '–' : `${(ms / 1000).toFixed(1)} s`);
  console.log('demo ticket (scripted model, bundled Datadesk, local forge, PGlite):');
  console.log(
    '  run   wall     queued  preparing  coding  verifying  reviewing  publishing  total   model   overhead',
  );
  for (const [i, { wallMs, ticket }] of runs.entries()) {
    const tm = ticket.timings;
    const overhead = (tm.totalMs ?? 0) - (tm.modelMs ?? 0);
    console.log(
      `  ${i === 0 ? 'cold' : 'warm'}  ${s(wallMs).padEnd(8)} ${s(tm.queuedMs).padEnd(7)} ${s(tm.preparingMs).padEnd(10)} ${s(tm.codingMs).padEnd(7)} ${s(tm.verifyingMs).padEnd(10)} ${s(tm.reviewingMs).padEnd(10)} ${s(tm.publishingMs).padEnd(11)} ${s(tm.totalMs).padEnd(7)} ${s(tm.modelMs).padEnd(7)} ${s(overhead)}`,
    );
  }
  if (runs.length === 2) {
    console.log(`  ratio warm / cold (wall): ${(runs[1]!.wallMs / runs[0]!.wallMs).toFixed(2)}×`);
    console.log(
      '  overhead = total − model time: with the scripted model this is nearly all of it (sandbox, proof runs, checks, publishing).',
    );
  }
}

const hasPg = await pgReachable();
await queuePage('pglite');
if (hasPg) await queuePage('postgres');
await claimLatency('pglite');
if (hasPg) await claimLatency('postgres');
if (!noDemo) demo();
