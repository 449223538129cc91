/**
 * Preparing a Python target (the Flask fixture of test/python): the sandbox a ticket waits for in
 * its `preparing` stage, with the virtual environment
 *   (a) cold — first on the repo: mirror clone, `python3 -m venv` + the target's `pip install`
 *       (a local package, --no-index), app start, ready
 *   (b) warm — the environment for these requirements already built
 * and in the same run (c) a naive baseline: git clone + venv + pip install + start + ready, no
 * isolation and no cache, as a script would do for every ticket.
 * Run: node_modules/.bin/node bench/python.bench.ts   (BENCH_N=5, BENCH_COLD_N=3)
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configSchema } from '../src/config/schema.ts';
import { createSandboxProvider } from '../src/sandbox/index.ts';
import { FLASK_FILES } from '../test/python/flask-app.ts';

const N = Number(process.env.BENCH_N ?? 5);
const COLD_N = Number(process.env.BENCH_COLD_N ?? 3);
const work = mkdtempSync(path.join(os.tmpdir(), 'lw-pybench-'));

function makeRepo(): string {
  const repo = path.join(work, 'repo');
  for (const [rel, content] of Object.entries(FLASK_FILES)) {
    mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
    writeFileSync(path.join(repo, rel), content);
  }
  const id = ['-c', 'user.name=b', '-c', 'user.email=b@b'];
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo });
  execFileSync('git', ['add', '-A'], { cwd: repo });
  execFileSync('git', [...id, 'commit', '-qm', 'metrics'], { cwd: repo });
  return repo;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (xs: number[]) =>
  `median ${median(xs).toFixed(0).padStart(6)} ms   spread ${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)} ms   (n=${xs.length})`;

async function acquireMs(home: string, repo: string, n: number, label: string): Promise<number[]> {
  const provider = createSandboxProvider({
    config: configSchema.parse({ home, poolSize: 0 }),
    repoUrl: repo,
  });
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const sb = await provider.acquire({ ticketId: `${label}${i}`, branch: `loopwright/${label}${i}` });
    out.push(performance.now() - t);
    await sb.teardown();
  }
  await provider.close();
  return out;
}

/** The baseline: clone, make the environment, install, start and wait for ready, for every ticket. */
async function naive(repo: string, i: number): Promise<number> {
  const dir = path.join(work, `naive-${i}`);
  const port = 31_000 + i;
  const t = performance.now();
  execFileSync('git', ['clone', '-q', repo, dir]);
  const make = '/usr/bin/python3 -m venv --system-site-packages .venv';
  const install = '.venv/bin/pip install -q --no-index --find-links vendor -r requirements.txt';
  execFileSync('sh', ['-c', `${make} && ${install}`], { cwd: dir });
  const child = spawn('.venv/bin/python', ['app.py'], {
    cwd: dir,
    env: { ...process.env, PORT: String(port) },
    detached: true,
    stdio: 'ignore',
  });
  for (;;) {
    const up = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const ms = performance.now() - t;
  process.kill(-child.pid!, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

try {
  const repo = makeRepo();
  console.log(
    `Preparing a Python target (Flask fixture, ${os.cpus().length} cores), n=${N}, cold n=${COLD_N}\n`,
  );
  const cold: number[] = [];
  for (let i = 0; i < COLD_N; i++)
    cold.push(...(await acquireMs(path.join(work, `cold-${i}`), repo, 1, 'c')));
  console.log(`(a) cold environment    ${fmt(cold)}`);
  const warm = await acquireMs(path.join(work, `cold-${COLD_N - 1}`), repo, N, 'w');
  console.log(`(b) warm environment    ${fmt(warm)}`);
  const base: number[] = [];
  for (let i = 0; i < N; i++) base.push(await naive(repo, i));
  console.log(`(c) naive baseline      ${fmt(base)}`);
  console.log(
    `\n(a)/(b) = ${(median(cold) / median(warm)).toFixed(1)}×   (c)/(b) = ${(median(base) / median(warm)).toFixed(1)}×`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
