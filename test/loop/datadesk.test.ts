/**
 * The demo trajectory end to end on a copy of the bundled Datadesk app: the real openai client
 * against the replay server, the real file tools, real `npm run typecheck`, a real Chromium
 * driving the Vite dev server, and the real proof (base fails, head passes twice).
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFfmpegLink } from '../../src/browser/chromium.ts';
import { closeBrowsers } from '../../src/browser/launch.ts';
import { BrowserSession } from '../../src/browser/session.ts';
import { prove } from '../../src/evidence/proof.ts';
import { DEMO_REQUEST, DEMO_TRAJECTORY } from '../../src/loop/replay/demo.ts';
import { copyDatadeskSources, DATADESK, startVite } from '../helpers/datadesk.ts';
import { git, localSandbox, makeRepo, runScripted, stages, testBudgets, type Fixture } from './harness.ts';

const ready =
  Boolean(process.env.CI) ||
  (existsSync(path.join(DATADESK, 'node_modules/vite')) &&
    existsSync(path.join(DATADESK, 'src/components/RevenueChart.tsx')));

describe.skipIf(!ready)('the Datadesk legend-toggle demo trajectory', () => {
  let fx: Fixture;
  const servers: ChildProcess[] = [];
  let head = '';
  let base = '';
  let session: BrowserSession | undefined;

  beforeAll(async () => {
    ensureFfmpegLink();
    fx = makeRepo({ 'placeholder.txt': '' });
    git(fx.worktree, 'rm', '-q', 'placeholder.txt');
    copyDatadeskSources(fx.worktree);
    git(fx.worktree, 'add', '-A');
    git(fx.worktree, 'commit', '-q', '-m', 'datadesk');
    fx.baseCommit = git(fx.worktree, 'rev-parse', 'HEAD').trim();
    const baseDir = path.join(fx.dir, 'base');
    mkdirSync(baseDir);
    copyDatadeskSources(baseDir);
    const [h, b] = await Promise.all([startVite(fx.worktree), startVite(baseDir)]);
    servers.push(h.child, b.child);
    head = h.url;
    base = b.url;
  }, 90_000);

  afterAll(async () => {
    await session?.close();
    await closeBrowsers();
    for (const child of servers) child.kill('SIGTERM');
    fx?.cleanup();
  });

  it('edits the chart, clicks the legend by $ref, proves on base and head, and the reviewer approves', async () => {
    const evidenceDir = path.join(fx.scratch, 'evidence');
    const sandbox = { ...localSandbox(fx), app: { ...localSandbox(fx).app, url: head } };
    const { outcome, events, server } = await runScripted(fx, DEMO_TRAJECTORY, {
      request: DEMO_REQUEST,
      sandbox,
      browser: async () => ({
        browser: (session = await BrowserSession.open({
          appUrl: head,
          outputDir: path.join(fx.scratch, 'browser'),
        })),
      }),
      prove: (plan, opts) =>
        prove({
          plan,
          ticketId: 't-demo',
          evidenceDir,
          baseUrl: base,
          headUrl: head,
          stepDelayMs: 0,
          gif: false,
          signal: opts.signal,
        }),
      budgets: testBudgets({ toolTimeoutMs: 120_000 }),
    });
    expect(server.mismatches).toEqual([]);
    expect(outcome.error).toBeUndefined();
    expect(outcome.status).toBe('approved');
    expect(outcome.proof?.outcome).toBe('proven');
    expect(outcome.proof?.runs.map((r) => `${r.label}:${r.verdict}`)).toEqual([
      'base:failed',
      'head-1:passed',
      'head-2:passed',
    ]);
    expect(stages(events)).toEqual(['coding', 'verifying', 'coding', 'reviewing']);
    expect(server.remaining()).toEqual({ coder: 0, reviewer: 0 });
  }, 180_000);
});
