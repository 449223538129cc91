/**
 * The demo ticket's orchestration overhead (ticket time minus model time), stage by stage, for this
 * checkout and a baseline checkout in the same run, alternating run by run (B, A, B, A, …) so both
 * see the same machine drift:
 *   warm     — n tickets, each a fresh `loopwright demo --json` process on a home that ran one before
 *   cold     — n tickets on a fresh home each (mirror clone, `npm ci`, first dev-server compile)
 *   parallel — four demo tickets at once, each on its own warm home: none may fail
 * Per run: the ticket's timings, the proof's runs and stages from the evidence manifest, the
 * verification and checks from the timeline, wall time and the peak memory (PSS) of the process
 * tree. Prints median, spread and the ratio this/baseline per figure.
 *
 * Run: node_modules/.bin/node bench/ticket.bench.ts
 *   BENCH_BASELINE=/path/to/other/checkout  (default: none, this checkout only)
 *   BENCH_N=5  BENCH_COLD_N=<BENCH_N>  BENCH_PARALLEL=4 (0: skip)  BENCH_ONLY=warm,cold,parallel
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configSchema } from '../src/config/schema.ts';
import type { TicketEvent } from '../src/core/events.ts';
import type { Ticket } from '../src/core/ticket.ts';
import { openTickets } from '../src/tickets/index.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const N = Number(process.env.BENCH_N ?? 5);
const COLD_N = Number(process.env.BENCH_COLD_N ?? N);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 4);
const ONLY = (process.env.BENCH_ONLY ?? 'warm,cold,parallel').split(',');
const BASELINE = process.env.BENCH_BASELINE ? path.resolve(process.env.BENCH_BASELINE) : undefined;
const work = mkdtempSync(path.join(os.tmpdir(), 'lw-ticket-bench-'));

interface Side {
  label: 'this' | 'baseline';
  dir: string;
}

/** One figure per name, in seconds (or MiB for memory). */
type Figures = Record<string, number>;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** PSS of a process and all its descendants, in bytes (Chromium shares pages: RSS would count them many times). */
function treePss(root: number): number {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      /* exited */
    }
  }
  let total = 0;
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    try {
      const kb = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').match(/^Pss:\s+(\d+)/m)?.[1];
      total += Number(kb ?? 0) * 1024;
    } catch {
      /* exited */
    }
    todo.push(...(children.get(pid) ?? []));
  }
  return total;
}

interface DemoRun {
  ok: boolean;
  wallMs: number;
  peakBytes: number;
  ticket?: Ticket;
  stderr: string;
}

/** One `loopwright demo --json` process of a checkout on a home; samples its memory while it runs. */
function runDemo(side: Side, home: string): Promise<DemoRun> {
  const t0 = performance.now();
  const child = spawn(path.join(side.dir, 'node_modules/.bin/node'), ['src/cli/main.ts', 'demo', '--json'], {
    cwd: side.dir,
    env: { ...process.env, LOOPWRIGHT_HOME: home, OPENAI_API_KEY: '', OPENAI_BASE_URL: '', DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let peakBytes = 0;
  const sampler = setInterval(() => {
    if (child.pid) peakBytes = Math.max(peakBytes, treePss(child.pid));
  }, 500);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearInterval(sampler);
      const wallMs = performance.now() - t0;
      let ticket: Ticket | undefined;
      try {
        ticket = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Ticket;
      } catch {
        /* no ticket line */
      }
      resolve({ ok: code === 0 && ticket?.status === 'pr_opened', wallMs, peakBytes, ticket, stderr });
    });
  });
}

/** The timeline of the ticket, read from the home's store after its process ended. */
async function timelineOf(home: string, id: string): Promise<TicketEvent[]> {
  const tickets = await openTickets(configSchema.parse({ home, poolSize: 0 }));
  try {
    return (await tickets.store.timeline(id)).map((e) => e.event);
  } finally {
    await tickets.close();
  }
}

interface ManifestLike {
  runs?: { label: string; durationMs: number }[];
  stages?: Record<string, number>;
}

/** Figures of one finished run: ticket timings, proof runs and stages, timeline spans, memory. */
async function figuresOf(run: DemoRun, home: string): Promise<Figures> {
  const t = run.ticket!.timings;
  const s = (ms: number | undefined) => (ms ?? 0) / 1000;
  const f: Figures = {
    'wall (process)': run.wallMs / 1000,
    total: s(t.totalMs),
    model: s(t.modelMs),
    overhead: s(t.totalMs) - s(t.modelMs),
    preparing: s(t.preparingMs),
    coding: s(t.codingMs),
    verifying: s(t.verifyingMs),
    reviewing: s(t.reviewingMs),
    publishing: s(t.publishingMs),
    'peak memory MiB': run.peakBytes / 2 ** 20,
  };
  const events = await timelineOf(home, run.ticket!.id);
  const verify = events.find(
    (e): e is Extract<TicketEvent, { type: 'tool_result' }> =>
      e.type === 'tool_result' && e.name === 'submit_verification',
  );
  if (verify) f['submit_verification'] = verify.durationMs / 1000;
  const guard = events.findLast((e) => e.type === 'guardrail');
  const checks = events.filter((e) => e.type === 'log' && e.text.startsWith('check `'));
  if (guard && checks.length > 0)
    f['publishing: checks (after guardrails)'] =
      (Date.parse(checks.at(-1)!.at) - Date.parse(guard.at)) / 1000;
  // Coding is mostly the tools the coder called: their time, by tool.
  for (const e of events) {
    if (e.type !== 'tool_result' || e.agent !== 'coder' || e.name === 'submit_verification') continue;
    const name = `coding: tool ${e.name}`;
    f[name] = (f[name] ?? 0) + e.durationMs / 1000;
  }
  const manifestPath = path.join(home, 'evidence', run.ticket!.id, 'manifest.json');
  if (existsSync(manifestPath)) {
    const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as ManifestLike;
    let inRuns = 0;
    for (const r of m.runs ?? []) {
      f[`proof run ${r.label}`] = r.durationMs / 1000;
      inRuns += r.durationMs;
    }
    // The runs overlap where the manifest says so (stages.total: their wall time together).
    const runsWall = m.stages?.total ?? inRuns;
    if (verify) f['verification outside the runs'] = (verify.durationMs - runsWall) / 1000;
    for (const [k, v] of Object.entries(m.stages ?? {})) f[`proof stage ${k}`] = v / 1000;
  }
  return f;
}

type Samples = Record<string, number[]>;

function add(into: Samples, f: Figures): void {
  for (const [k, v] of Object.entries(f)) (into[k] ??= []).push(v);
}

function printTable(title: string, mine: Samples, base?: Samples): void {
  console.log(`\n${title}`);
  const names = [...new Set([...Object.keys(mine), ...Object.keys(base ?? {})])];
  const cell = (xs?: number[]) =>
    xs && xs.length
      ? `${median(xs).toFixed(1).padStart(6)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`.padEnd(
          22,
        )
      : '–'.padEnd(22);
  console.log(
    `  ${'figure (s, median (min–max))'.padEnd(38)} ${'this'.padEnd(22)} ${BASELINE ? `${'baseline'.padEnd(22)} this/baseline` : ''}`,
  );
  for (const name of names) {
    const a = mine[name];
    const b = base?.[name];
    const ratio = a?.length && b?.length && median(b) > 0 ? (median(a) / median(b)).toFixed(2) : '–';
    console.log(`  ${name.padEnd(38)} ${cell(a)} ${BASELINE ? `${cell(b)} ${ratio}` : ''}`);
  }
}

function sides(): Side[] {
  const list: Side[] = [{ label: 'this', dir: ROOT }];
  if (BASELINE) list.push({ label: 'baseline', dir: BASELINE });
  return list;
}

async function checked(side: Side, home: string, what: string): Promise<Figures | undefined> {
  const run = await runDemo(side, home);
  if (!run.ok) {
    console.log(
      `  ${side.label} ${what}: FAILED (${run.ticket?.status ?? 'no ticket'})\n${run.stderr.slice(-1500)}`,
    );
    return undefined;
  }
  const f = await figuresOf(run, home);
  console.log(
    `  ${side.label.padEnd(8)} ${what}: overhead ${f.overhead!.toFixed(1)} s, verifying ${f.verifying!.toFixed(1)} s, preparing ${f.preparing!.toFixed(2)} s, wall ${f['wall (process)']!.toFixed(1)} s`,
  );
  return f;
}

async function warm(): Promise<void> {
  const samples = new Map<string, Samples>();
  const homes = new Map<string, string>();
  for (const side of sides()) {
    const home = path.join(work, `warm-${side.label}`);
    homes.set(side.label, home);
    samples.set(side.label, {});
    await checked(side, home, 'warm-up (not counted)');
  }
  for (let i = 0; i < N; i++) {
    for (const side of sides()) {
      const f = await checked(side, homes.get(side.label)!, `warm ${i + 1}/${N}`);
      if (f) add(samples.get(side.label)!, f);
    }
  }
  printTable(`Warm demo ticket (n=${N} each, alternating)`, samples.get('this')!, samples.get('baseline'));
}

async function cold(): Promise<void> {
  const samples = new Map<string, Samples>(sides().map((s) => [s.label, {}]));
  for (let i = 0; i < COLD_N; i++) {
    for (const side of sides()) {
      const home = path.join(work, `cold-${side.label}-${i}`);
      const f = await checked(side, home, `cold ${i + 1}/${COLD_N}`);
      if (f) add(samples.get(side.label)!, f);
      rmSync(home, { recursive: true, force: true });
    }
  }
  printTable(
    `Cold demo ticket, fresh home (n=${COLD_N} each, alternating)`,
    samples.get('this')!,
    samples.get('baseline'),
  );
}

async function parallel(): Promise<void> {
  console.log(`\n${PARALLEL} demo tickets at once, each on its own warm home:`);
  for (const side of sides()) {
    const homes = Array.from({ length: PARALLEL }, (_, i) => path.join(work, `par-${side.label}-${i}`));
    // Each home is warmed by a ticket of its own first (a copied home hung on start: its database).
    for (const home of homes) await runDemo(side, home);
    const t0 = performance.now();
    const runs = await Promise.all(homes.map((home) => runDemo(side, home)));
    const allMs = performance.now() - t0;
    const failed = runs.filter((r) => !r.ok).length;
    const over = runs
      .filter((r) => r.ticket)
      .map((r) => ((r.ticket!.timings.totalMs ?? 0) - (r.ticket!.timings.modelMs ?? 0)) / 1000);
    const mem = runs.map((r) => r.peakBytes / 2 ** 20);
    console.log(
      `  ${side.label.padEnd(8)} all done in ${(allMs / 1000).toFixed(1)} s; failed ${failed}/${PARALLEL}; overhead median ${median(over).toFixed(1)} s (${Math.min(...over).toFixed(1)}–${Math.max(...over).toFixed(1)}); peak memory per ticket median ${median(mem).toFixed(0)} MiB (${Math.min(...mem).toFixed(0)}–${Math.max(...mem).toFixed(0)})`,
    );
    for (const r of runs.filter((x) => !x.ok))
      console.log(`    failed: ${r.ticket?.error?.message ?? r.stderr.slice(-400)}`);
  }
}

try {
  console.log(
    `Demo ticket bench: this=${ROOT}${BASELINE ? `, baseline=${BASELINE}` : ''}; ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}`,
  );
  if (ONLY.includes('warm')) await warm();
  if (ONLY.includes('parallel') && PARALLEL > 0) await parallel();
  if (ONLY.includes('cold') && COLD_N > 0) await cold();
} finally {
  rmSync(work, { recursive: true, force: true });
}
