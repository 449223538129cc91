/**
 * Prompt tokens of the Datadesk demo run with and without snapshot superseding (only the newest
 * browser snapshot kept in context). The run is the shipped legend-toggle trajectory played through
 * the replay server and the real openai client, with real file tools, a real Chromium on the Vite
 * dev server, and a scripted proof (the proof is not what is measured). Token counts are the replay
 * server's estimate (characters / 4) of each request the coder and reviewer sent.
 *
 * Run: node_modules/.bin/node bench/loop.bench.ts [reps=3]
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { closeBrowsers } from '../src/browser/launch.ts';
import { BrowserSession } from '../src/browser/session.ts';
import { DEMO_REQUEST, DEMO_TRAJECTORY } from '../src/loop/replay/demo.ts';
import { loadTrajectory, type ScriptedTurn } from '../src/loop/replay/trajectory.ts';
import { copyDatadeskSources, DATADESK, startVite } from '../test/helpers/datadesk.ts';
import {
  git,
  localSandbox,
  makeRepo,
  runScripted,
  scriptedProve,
  testBudgets,
} from '../test/loop/harness.ts';

const reps = Number(process.argv[2] ?? 3);

interface Sample {
  totalPrompt: number;
  maxPrompt: number;
  lastCoderPrompt: number;
  cached: number;
  wallMs: number;
}

/**
 * The demo as shipped, and an exploring variant: after opening the dashboard the coder looks
 * around (snapshot, the orders page, the notebooks page, back) before clicking, as live models do.
 */
const demo = loadTrajectory(DEMO_TRAJECTORY);
const at = demo.findIndex((t) => t.tool_calls.some((c) => c.tool === 'browser_navigate')) + 1;
const look = (tool: string, args: unknown): ScriptedTurn => ({
  agent: 'coder',
  tool_calls: [{ tool, args }],
});
const explore = [
  ...demo.slice(0, at),
  look('browser_snapshot', {}),
  look('browser_navigate', { url: '/dashboards/orders' }),
  look('browser_navigate', { url: '/notebooks' }),
  look('browser_navigate', { url: '/dashboards/revenue' }),
  ...demo.slice(at),
];
const TRAJECTORIES: Record<string, ScriptedTurn[]> = { demo, 'demo+explore': explore };

async function once(turns: ScriptedTurn[], supersede: boolean): Promise<Sample> {
  const fx = makeRepo({ '.keep': '' });
  copyDatadeskSources(fx.worktree);
  git(fx.worktree, 'add', '-A');
  git(fx.worktree, 'commit', '-q', '-m', 'datadesk');
  fx.baseCommit = git(fx.worktree, 'rev-parse', 'HEAD').trim();
  const vite = await startVite(fx.worktree);
  let session: BrowserSession | undefined;
  try {
    const base = localSandbox(fx);
    const started = performance.now();
    const { outcome, server } = await runScripted(fx, turns, {
      request: DEMO_REQUEST,
      sandbox: { ...base, app: { ...base.app, url: vite.url } },
      browser: async () => ({
        browser: (session = await BrowserSession.open({
          appUrl: vite.url,
          outputDir: path.join(fx.scratch, 'browser'),
        })),
      }),
      prove: scriptedProve(fx, () => 'proven').prove,
      budgets: testBudgets({ toolTimeoutMs: 120_000 }),
      supersedeSnapshots: supersede,
    });
    if (outcome.status !== 'approved' || server.mismatches.length)
      throw new Error(`run failed: ${outcome.error?.message ?? server.mismatches[0]?.message}`);
    const coder = server.served.filter((s) => s.agent === 'coder');
    return {
      totalPrompt: server.served.reduce((n, s) => n + s.promptTokens, 0),
      maxPrompt: Math.max(...server.served.map((s) => s.promptTokens)),
      lastCoderPrompt: coder.at(-1)!.promptTokens,
      cached: server.served.reduce((n, s) => n + s.cachedTokens, 0),
      wallMs: performance.now() - started,
    };
  } finally {
    await session?.close();
    vite.child.kill('SIGTERM');
    fx.cleanup();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (xs: number[]) =>
  `${Math.round(median(xs))} (${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))})`;

if (!existsSync(path.join(DATADESK, 'node_modules/vite'))) {
  console.log('sandbox/datadesk has no node_modules; run its npm ci first');
  process.exit(1);
}
console.log(`${reps} runs per trajectory and mode; median (min–max). Tokens: replay estimate (chars/4).`);
console.log(
  'trajectory     mode            total prompt tokens   largest request     cached tokens         wall ms',
);
for (const [name, turns] of Object.entries(TRAJECTORIES)) {
  const results: Record<'superseded' | 'all snapshots', Sample[]> = { superseded: [], 'all snapshots': [] };
  for (let i = 0; i < reps; i++) {
    // Interleave the modes so machine load affects both alike.
    results['all snapshots'].push(await once(turns, false));
    results.superseded.push(await once(turns, true));
  }
  for (const [mode, samples] of Object.entries(results)) {
    console.log(
      `${name.padEnd(14)} ${mode.padEnd(15)} ${fmt(samples.map((s) => s.totalPrompt)).padEnd(21)} ${fmt(samples.map((s) => s.maxPrompt)).padEnd(19)} ${fmt(samples.map((s) => s.cached)).padEnd(21)} ${fmt(samples.map((s) => s.wallMs))}`,
    );
  }
  const m = (k: keyof Sample, mode: keyof typeof results) => median(results[mode].map((s) => s[k]));
  const uncached = (mode: keyof typeof results) => m('totalPrompt', mode) - m('cached', mode);
  console.log(
    `${name.padEnd(14)} ratio superseded / all snapshots: total ${(m('totalPrompt', 'superseded') / m('totalPrompt', 'all snapshots')).toFixed(3)}, ` +
      `largest request ${(m('maxPrompt', 'superseded') / m('maxPrompt', 'all snapshots')).toFixed(3)}, uncached ${(uncached('superseded') / uncached('all snapshots')).toFixed(3)}`,
  );
}
await closeBrowsers();
