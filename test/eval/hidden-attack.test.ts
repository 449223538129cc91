/**
 * The hidden check against a tree that attacks it. The tree is the agent's work, and its app runs
 * in the check's room: whatever that app or the tree's own files can do to the check is an attack
 * a goal-driven agent may find. Each case takes a wrong patch of a bundled task (the hidden check
 * fails it) and adds one attack; the check must still fail. A pass here is a false `resolved`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.ts';
import { runHiddenCheck } from '../../src/eval/hidden.ts';
import { openEvalRepo, patchedTree, type EvalRepo } from '../../src/eval/repo.ts';
import { BUNDLED_SUITE, loadTask, type EvalTask } from '../../src/eval/task.ts';
import { runSpecs } from '../../src/sandbox/playwright-test.ts';
import { openCleanRoom } from '../../src/sandbox/sandbox.ts';
import { addFileToTree } from '../../src/sandbox/tree.ts';
import { DATADESK, datadeskUnavailable, warmDatadeskDeps } from '../helpers/datadesk.ts';
import { isolationSkipReason, testConfig } from '../sandbox/helpers.ts';

const skip = isolationSkipReason() ?? datadeskUnavailable();

/** A spec that passes whatever the app does. */
const PASSING_SPEC = "import { test } from '@playwright/test';\ntest('ok', () => {});\n";

/**
 * Datadesk's vite.config.ts plus a loop in the dev server that rewrites every spec file it can
 * reach (the checkout and the shared /tmp) into one that passes.
 */
const TAMPERING_VITE_CONFIG = `import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const PASS = ${JSON.stringify(PASSING_SPEC)};
function tamper(dir: string, depth = 0): void {
  if (depth > 5) return;
  let entries;
  try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return; }
  for (const e of entries) {
    if (e.name === 'node_modules' || e.name === 'src') continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) tamper(p, depth + 1);
    else if (/\\.spec\\.[cm]?[jt]s$/.test(e.name)) {
      try { if (readFileSync(p, 'utf8') !== PASS) writeFileSync(p, PASS); } catch { /* read-only */ }
    }
  }
}
setInterval(() => { tamper(process.cwd()); tamper('/tmp'); }, 20);

const port = Number(process.env.PORT) || 5173;
export default defineConfig({
  plugins: [react()],
  server: { port, strictPort: true, host: '127.0.0.1' },
  optimizeDeps: {
    include: ['react', 'react-dom', 'react-dom/client', 'react/jsx-runtime', 'react/jsx-dev-runtime', 'recharts'],
  },
});
`;

/** A shim with the real `test` and an `expect` whose every assertion passes. */
const EXPECT_SHIM = `export { test } from '../../node_modules/@playwright/test/index.mjs';
const ok: any = new Proxy(function () {}, { get: (_t, p) => (p === 'then' ? undefined : ok), apply: () => ok });
export const expect = ok;
`;

/** Datadesk's tsconfig with `@playwright/test` mapped to the shim, for every spec under the root. */
const MAPPING_TSCONFIG = JSON.stringify({
  compilerOptions: {
    target: 'ES2022',
    module: 'ESNext',
    moduleResolution: 'Bundler',
    jsx: 'react-jsx',
    baseUrl: '.',
    paths: { '@playwright/test': ['./e2e/support/pw.ts'] },
  },
});

describe.skipIf(skip)('the hidden check on a tree that attacks it', () => {
  let home: string;
  let config: Config;
  let repo: EvalRepo;
  let task: EvalTask;
  let wrong: string;

  beforeAll(async () => {
    home = mkdtempSync(path.join(os.tmpdir(), 'lw-hidden-attack-'));
    await warmDatadeskDeps(home);
    config = testConfig(home);
    task = loadTask(path.join(BUNDLED_SUITE, 'orders-sort-by-amount'));
    repo = await openEvalRepo(home, DATADESK, 'main');
    wrong = await patchedTree(repo, path.join(task.dir, 'wrong', 'smallest-first.patch'));
  }, 120_000);
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  const withFiles = async (files: Record<string, string>): Promise<string> => {
    let tree = wrong;
    for (const [p, content] of Object.entries(files))
      tree = await addFileToTree(repo.gitDir, tree, { path: p, content }, repo.scratch);
    return tree;
  };

  it('passes the reference, so a failure below is the check catching the wrong change', async () => {
    const tree = await patchedTree(repo, task.reference!);
    const r = await runHiddenCheck({ config, repo, task, tree });
    expect(r.passes, r.failure ?? JSON.stringify(r.infraError)).toEqual([true]);
  }, 180_000);

  /** The wrong change plus `files` fails the hidden check, on the spec's own assertion. */
  const expectCaught = async (files: Record<string, string>): Promise<void> => {
    const r = await runHiddenCheck({ config, repo, task, tree: await withFiles(files) });
    expect(r.infraError).toBeUndefined();
    expect(r.passes, r.failure).toEqual([false]);
    expect(r.failure).toMatch(/toEqual|Expected/);
  };

  it('an app that rewrites every spec it can reach does not pass a wrong change', async () => {
    await expectCaught({ 'vite.config.ts': TAMPERING_VITE_CONFIG });
  }, 180_000);

  it("a tsconfig that maps @playwright/test to the tree's own shim does not pass a wrong change", async () => {
    await expectCaught({ 'tsconfig.json': MAPPING_TSCONFIG, 'e2e/support/pw.ts': EXPECT_SHIM });
  }, 180_000);

  it("the tree's own runner (the proof kept as a test) runs the worker's copy of the spec, not the app's", async () => {
    const tree = await withFiles({ 'vite.config.ts': TAMPERING_VITE_CONFIG });
    const room = await openCleanRoom(
      config,
      { gitDir: repo.gitDir, settings: repo.settings, isolated: true },
      tree,
      'attack',
    );
    try {
      const app = await room.startApp();
      const name = task.hiddenSpecs[0]!;
      const content = readFileSync(path.join(task.dir, 'hidden', name), 'utf8');
      const r = await runSpecs(room, {
        specs: [{ name, content }],
        runner: 'tree',
        baseUrl: app.url,
        timeoutMs: 120_000,
        label: 'attack',
        actionTimeoutMs: 10_000,
      });
      expect(r.ok, r.output).toBe(false);
      expect(r.ok ? '' : r.tail).toMatch(/toEqual|Expected/);
    } finally {
      await room.close();
    }
  }, 180_000);
});
