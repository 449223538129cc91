/**
 * Datadesk (sandbox/datadesk) for tests and benchmarks: a copy of the app in a temp dir,
 * optionally with the demo change applied (clicking a legend entry hides its line), served by its
 * own `npm run dev` (or Vite directly) on a free port. Copies keep the vite cache out of the real tree.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

export const DATADESK = path.join(import.meta.dirname, '..', '..', 'sandbox', 'datadesk');
export const DATADESK_ROUTES = ['/dashboards/revenue', '/dashboards/orders', '/notebooks'];

/** Why Datadesk cannot run here, or undefined when it can. */
export function datadeskUnavailable(): string | undefined {
  // `npm run setup` installs Datadesk's dependencies; under CI a missing piece fails the tests.
  if (process.env.CI) return undefined;
  if (!existsSync(path.join(DATADESK, 'package.json'))) return 'sandbox/datadesk is missing';
  if (!existsSync(path.join(DATADESK, 'node_modules', 'vite'))) {
    return 'sandbox/datadesk/node_modules is not installed (run npm ci there)';
  }
  return undefined;
}

/** Copies the app (without caches and builds) to `dest`. */
export function copyDatadesk(dest: string): string {
  cpSync(DATADESK, dest, {
    recursive: true,
    filter: (src) => {
      const rel = path.relative(DATADESK, src);
      return (
        !/^(dist|coverage|\.vite)(\/|$)/.test(rel) && !rel.startsWith(path.join('node_modules', '.vite'))
      );
    },
  });
  return dest;
}

/**
 * Copies the app's sources (no node_modules, no builds) into `dest` and links the real
 * node_modules, so a git worktree holds only Datadesk's own files.
 */
export function copyDatadeskSources(dest: string): void {
  cpSync(DATADESK, dest, {
    recursive: true,
    filter: (src) => !/\/(node_modules|dist)(\/|$)/.test(src.slice(DATADESK.length)),
  });
  symlinkSync(path.join(DATADESK, 'node_modules'), path.join(dest, 'node_modules'));
}

/**
 * Applies the demo change to a copy: recharts' legend toggles a series' `hide`. Returns false when
 * the chart no longer has the shape this patch expects.
 */
export function applyLegendToggle(dir: string): boolean {
  const file = path.join(dir, 'src', 'components', 'RevenueChart.tsx');
  let src = readFileSync(file, 'utf8');
  const fn = 'export function RevenueChart({ data }: { data: MonthlyRevenue[] }) {\n';
  const legend = /<Legend ([^>]*?)\/>/;
  const line = /<Line\n(\s*)key=\{s\.key\}/;
  if (!src.includes(fn) || !legend.test(src) || !line.test(src)) return false;
  src = `import { useState } from 'react';\n` + src;
  src = src.replace(
    fn,
    fn +
      '  const [hidden, setHidden] = useState<string[]>([]);\n' +
      '  const toggle = (key: string) => setHidden((h) => (h.includes(key) ? h.filter((k) => k !== key) : [...h, key]));\n',
  );
  src = src.replace(legend, '<Legend $1 onClick={(e) => toggle(String(e.dataKey))} />');
  src = src.replace(line, '<Line\n$1key={s.key}\n$1hide={hidden.includes(s.key)}');
  writeFileSync(file, src);
  return true;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningApp {
  url: string;
  stop(): Promise<void>;
}

/** `npm run dev` with PORT in `dir`; resolves when `/` answers 200. */
export async function startDevServer(dir: string, timeoutMs = 60_000): Promise<RunningApp> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // Its own process group, so stop() ends npm, the shell and vite together.
  const child: ChildProcess = spawn('npm', ['run', 'dev'], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      PORT: String(port),
      BROWSER: 'none',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.pid === undefined) return resolve();
      child.once('exit', () => resolve());
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        resolve();
      }
    });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`datadesk dev server exited early:\n${output}`);
    const ok = await fetch(`${url}/`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`datadesk dev server did not answer within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return { url, stop };
}

/**
 * Vite's dev server run by this Node on `root` (no npm, no shell), on a free port; resolves when
 * `/` answers 200. The caller kills `child`.
 */
export async function startVite(root: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      path.join(root, 'node_modules/vite/bin/vite.js'),
      '--port',
      String(port),
      '--strictPort',
      '--host',
      '127.0.0.1',
    ],
    {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, BROWSER: 'none' },
      stdio: 'ignore',
    },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 150; i++) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { url, child };
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error('vite did not start');
}

/** The demo-like plan on Datadesk: clicking the Refunds legend entry hides the Refunds line. */
export const legendPlan = {
  title: 'Clicking a legend entry hides its line',
  steps: [
    { action: 'goto', url: '/dashboards/revenue' },
    { action: 'expect_visible', target: { css: '.recharts-line.series-refunds' } },
    { action: 'click', target: { css: '.recharts-legend-item.legend-item-1' } },
    { action: 'expect_hidden', target: { css: '.recharts-line.series-refunds' } },
    { action: 'expect_visible', target: { css: '.recharts-line.series-revenue' } },
    { action: 'screenshot', caption: 'Refunds line hidden' },
  ],
} as const;

/**
 * A warm dependency cache in `home` for a Datadesk copy: Datadesk's installed node_modules,
 * hardlinked where the first ticket's `install` would have put them (src/sandbox/deps.ts), so a
 * test that is not about installing skips the cold `npm ci` of its first ticket (half a minute on
 * a 2-core machine). The key is computed as a ticket computes it, from the lockfile and `install`.
 */
export async function warmDatadeskDeps(home: string): Promise<void> {
  const { depsKey, ensureDeps, linkCopy } = await import('../../src/sandbox/deps.ts');
  const { readTargetSettings } = await import('../../src/config/target.ts');
  const key = depsKey(DATADESK, readTargetSettings(DATADESK).install);
  if (!key) return;
  const seed = path.join(home, 'deps', `seed-${process.pid}`, 'node_modules');
  mkdirSync(path.dirname(seed), { recursive: true });
  await ensureDeps(home, key, async () => {
    await linkCopy(path.join(DATADESK, 'node_modules'), seed);
    return seed;
  });
  rmSync(path.dirname(seed), { recursive: true, force: true });
}
