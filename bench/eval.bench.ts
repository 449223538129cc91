/**
 * `loopwright eval run` on the bundled suite's scripted trials (the replay model: a resolved, a
 * false-proof and an out-of-budget trial), with `--concurrency 1` and `--concurrency 2`,
 * alternating run by run on one warm home (dependencies cached, forge repo made). Prints per
 * figure the median and spread: the suite's wall time, each trial's own time (its ticket from
 * claim to settle, plus the hidden check), the harness's own overhead per trial (hidden check:
 * fresh room, app start, @playwright/test), and the ratio of concurrency 2 to 1.
 *
 * Run: node_modules/.bin/node bench/eval.bench.ts
 *   BENCH_N=2 (runs per concurrency)  BENCH_HOME=<a warm home to reuse>
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TrialRecord } from '../src/eval/score.ts';
import { fmt, stats } from './stats.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const N = Number(process.env.BENCH_N ?? 2);
const HOME = process.env.BENCH_HOME ?? mkdtempSync(path.join(os.tmpdir(), 'lw-eval-bench-'));
const TASKS = 'revenue-legend-toggle,orders-sort-by-amount,notebooks-search';

function evalRun(concurrency: number): Promise<{ wallS: number; trials: TrialRecord[] }> {
  const started = performance.now();
  const args = [
    'src/cli/main.ts',
    'eval',
    'run',
    '--models',
    'replay',
    '--tasks',
    TASKS,
    '--concurrency',
    String(concurrency),
    '--json',
  ];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, LOOPWRIGHT_HOME: HOME },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (!last.startsWith('{')) return reject(new Error(`eval run exited ${code} without a result line`));
      const { dir } = JSON.parse(last) as { dir: string };
      const trials = readFileSync(path.join(dir, 'trials.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as TrialRecord);
      resolve({ wallS: (performance.now() - started) / 1000, trials });
    });
  });
}

const figures: Record<string, Record<number, number[]>> = {};
const add = (name: string, c: number, x: number) => ((figures[name] ??= {})[c] ??= []).push(x);

console.error(`eval bench: home ${HOME}, ${N} run(s) per concurrency`);
// A warm-up on a fresh home: the dependency cache, the forge repo and the eval repo are made here.
if (!process.env.BENCH_HOME) await evalRun(1).catch(() => undefined);
for (let i = 0; i < N; i++) {
  for (const c of i % 2 ? [2, 1] : [1, 2]) {
    const { wallS, trials } = await evalRun(c);
    add('suite wall (s)', c, wallS);
    for (const t of trials) {
      const own =
        ((t.timings.totalMs ?? 0) - (t.timings.queuedMs ?? 0) + (t.timings.hiddenCheckMs ?? 0)) / 1000;
      add('trial, own time (s)', c, own);
      if (t.timings.hiddenCheckMs !== undefined) {
        add('hidden check (s)', c, t.timings.hiddenCheckMs / 1000);
        add('  fresh room (s)', c, (t.timings.roomMs ?? 0) / 1000);
        add('  app start (s)', c, (t.timings.appMs ?? 0) / 1000);
      }
    }
    console.error(
      `  concurrency ${c}: ${wallS.toFixed(1)} s, buckets ${trials.map((t) => t.bucket).join(' ')}`,
    );
  }
}
for (const [name, byC] of Object.entries(figures)) {
  const one = byC[1] ?? [];
  const two = byC[2] ?? [];
  const ratio = one.length && two.length ? (stats(two).median / stats(one).median).toFixed(2) : '–';
  console.log(`${name.padEnd(22)} c1 ${fmt(one, 's')} · c2 ${fmt(two, 's')} · c2/c1 ${ratio}`);
}
