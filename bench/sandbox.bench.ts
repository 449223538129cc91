/**
 * Sandbox figures on the bundled Datadesk app (or the test fixture when Datadesk is absent):
 *   (a) cold sandbox — first on the repo: mirror clone, `npm ci`, app start, ready
 *   (b) warm sandbox — dependencies cached for this lockfile
 *   (c) claim from the pre-warmed pool
 *   (d) naive baseline in the same run — `git clone` + `npm ci` + start + ready, no isolation
 * plus four sandboxes at once: memory per sandbox and whether they interfere.
 * Run: node_modules/.bin/node bench/sandbox.bench.ts   (BENCH_N=5, BENCH_COLD_N=5)
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configSchema, type Config } from '../src/config/schema.ts';
import { logger } from '../src/core/log.ts';
import { createSandboxProvider } from '../src/sandbox/index.ts';
import type { LocalSandbox } from '../src/sandbox/sandbox.ts';
import type { Sandbox } from '../src/sandbox/types.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const N = Number(process.env.BENCH_N ?? 5);
const COLD_N = Number(process.env.BENCH_COLD_N ?? N);
const work = mkdtempSync(path.join(os.tmpdir(), 'lw-bench-'));
const npmCache = path.join(work, 'npm-cache');
// LOOPWRIGHT_LOG_LEVEL=info shows each sandbox's step timings.
const log = process.env.LOOPWRIGHT_LOG_LEVEL ? logger('sandbox') : undefined;
mkdirSync(npmCache);

function gitc(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'b',
      GIT_AUTHOR_EMAIL: 'b@b',
      GIT_COMMITTER_NAME: 'b',
      GIT_COMMITTER_EMAIL: 'b@b',
    },
  });
}

/** A git repo of the target app (without its installed node_modules). */
function makeRepo(): { repo: string; name: string } {
  const datadesk = path.join(ROOT, 'sandbox', 'datadesk');
  const useDatadesk = existsSync(path.join(datadesk, '.loopwright.yml'));
  const src = useDatadesk ? datadesk : path.join(ROOT, 'test', 'fixtures', 'target-app');
  const repo = path.join(work, 'repo');
  cpSync(src, repo, {
    recursive: true,
    filter: (p) => !/\/(node_modules|dist|\.vite|coverage)(\/|$)/.test(p),
  });
  gitc(repo, 'init', '-q', '-b', 'main');
  gitc(repo, 'add', '-A');
  gitc(repo, 'commit', '-qm', 'initial');
  return { repo, name: useDatadesk ? 'Datadesk' : 'fixture app' };
}

function config(home: string, over: Partial<Config> = {}): Config {
  mkdirSync(home, { recursive: true });
  // All runs share npm's HTTP cache, as the baseline does: the figures compare work, not downloads.
  if (!existsSync(path.join(home, 'npm-cache'))) symlinkSync(npmCache, path.join(home, 'npm-cache'));
  return { ...configSchema.parse({ home, poolSize: 0 }), ...over };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (xs: number[]): string =>
  `median ${median(xs).toFixed(0).padStart(6)} ms   spread ${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)} ms   (n=${xs.length})`;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** The baseline: what a script without Loopwright's caches would do for every ticket. */
async function naive(repo: string, i: number): Promise<number> {
  const dir = path.join(work, `naive-${i}`);
  const settings = readFileSync(path.join(repo, '.loopwright.yml'), 'utf8');
  const start = settings.match(/^start:\s*(.+?)(\s+#.*)?$/m)?.[1] ?? 'npm start';
  const ready = settings.match(/^ready:\s*(\S+)/m)?.[1] ?? '/';
  const port = 30_000 + i;
  let child: ReturnType<typeof spawn> | undefined;
  const ms = await timed(async () => {
    execFileSync('git', ['clone', '-q', repo, dir]);
    execFileSync('sh', ['-c', 'npm ci --no-audit --no-fund --prefer-offline >/dev/null 2>&1'], {
      cwd: dir,
      env: { ...process.env, npm_config_cache: npmCache },
    });
    child = spawn('sh', ['-c', start], {
      cwd: dir,
      env: { ...process.env, PORT: String(port) },
      detached: true,
      stdio: 'ignore',
    });
    for (;;) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}${ready}`)).status < 400) break;
      } catch {
        /* not yet */
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  });
  if (child?.pid) process.kill(-child.pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

/** RSS of a sandbox's processes (sum of VmRSS over its cgroup). */
function rssBytes(sb: Sandbox): number {
  let total = 0;
  for (const pid of (sb as LocalSandbox).runner.cgroup?.pids() ?? []) {
    try {
      const kb = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1];
      total += Number(kb ?? 0) * 1024;
    } catch {
      /* exited */
    }
  }
  return total;
}

async function main(): Promise<void> {
  const { repo, name } = makeRepo();
  console.log(`Sandbox bench on ${name} (${os.cpus().length} cores), n=${N}, cold n=${COLD_N}\n`);

  // Fill npm's HTTP cache once so neither side measures downloads.
  await naive(repo, 99);

  const cold: number[] = [];
  for (let i = 0; i < COLD_N; i++) {
    const home = path.join(work, `cold-${i}`);
    const p = createSandboxProvider({ config: config(home), repoUrl: repo, log });
    let sb: Sandbox | undefined;
    cold.push(
      await timed(async () => (sb = await p.acquire({ ticketId: `c${i}`, branch: `loopwright/c${i}` }))),
    );
    await sb!.teardown();
    await p.close();
    if (i < COLD_N - 1) rmSync(home, { recursive: true, force: true });
  }
  console.log(`(a) cold sandbox        ${fmt(cold)}`);

  const home = path.join(work, `cold-${COLD_N - 1}`);
  const warmP = createSandboxProvider({ config: config(home), repoUrl: repo, log });
  const warm: number[] = [];
  for (let i = 0; i < N; i++) {
    let sb: Sandbox | undefined;
    warm.push(
      await timed(async () => (sb = await warmP.acquire({ ticketId: `w${i}`, branch: `loopwright/w${i}` }))),
    );
    await sb!.teardown();
  }
  console.log(`(b) warm sandbox        ${fmt(warm)}`);

  const poolP = createSandboxProvider({ config: config(home, { poolSize: 1 }), repoUrl: repo });
  const pool: number[] = [];
  for (let i = 0; i < N; i++) {
    await poolP.warm();
    let sb: Sandbox | undefined;
    pool.push(
      await timed(async () => (sb = await poolP.acquire({ ticketId: `p${i}`, branch: `loopwright/p${i}` }))),
    );
    await sb!.teardown();
  }
  await poolP.close();
  console.log(`(c) claim from pool     ${fmt(pool)}`);

  const base: number[] = [];
  for (let i = 0; i < N; i++) base.push(await naive(repo, i));
  console.log(`(d) naive baseline      ${fmt(base)}`);
  console.log(
    `\n(d)/(b) = ${(median(base) / median(warm)).toFixed(1)}×   (goal ≥ 20×; (b) goal ≤ 1000 ms, (c) goal ≤ 100 ms)`,
  );

  // Four at once.
  const t = performance.now();
  const four = await Promise.all(
    [0, 1, 2, 3].map((i) => warmP.acquire({ ticketId: `m${i}`, branch: `loopwright/m${i}` })),
  );
  const allMs = performance.now() - t;
  await new Promise((r) => setTimeout(r, 1500));
  console.log(`\nFour sandboxes at once: all ready in ${allMs.toFixed(0)} ms`);
  const pages = await Promise.all(
    four.map((sb) => sb.exec(`curl -s -o /dev/null -w '%{http_code}' ${sb.app.url}/`)),
  );
  four.forEach((sb, i) => {
    const mem = (sb as LocalSandbox).memoryBytes() ?? 0;
    console.log(
      `  sandbox ${i + 1}: port ${sb.app.port}, page ${pages[i]!.output.trim()}, RSS ${(rssBytes(sb) / 2 ** 20).toFixed(0)} MiB, cgroup memory ${(mem / 2 ** 20).toFixed(0)} MiB`,
    );
  });
  // Interference: one sandbox's loopback must not reach another's app (same ports or not).
  const cross = await four[0]!.exec(
    `curl -s --max-time 2 -o /dev/null -w '%{http_code}' http://127.0.0.1:${four[1]!.app.port}/`,
  );
  console.log(
    `  sandbox 1 → sandbox 2's port: ${cross.output.trim() === '000' ? 'unreachable (isolated)' : `reached (${cross.output})`}`,
  );
  const allOk = pages.every((p) => p.output.trim() === '200');
  console.log(
    `  interference: ${allOk ? 'none seen (all four apps answer, each only on its own loopback)' : 'SEEN — an app did not answer'}`,
  );
  await Promise.all(four.map((sb) => sb.teardown()));
  await warmP.close();
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
