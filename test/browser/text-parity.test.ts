/**
 * `expect_text` means what `toContainText` means: the plan runner and the generated spec, run by the
 * real @playwright/test (Datadesk's), give the same verdict on pages whose text `textContent` reads
 * differently — `<noscript>` and `<script>` text (not counted), a shadow root (counted) and a soft
 * hyphen (dropped). Reading `textContent`, the runner passed the first two, where the kept test
 * fails, and failed the last two.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { promisify } from 'node:util';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveChromium } from '../../src/browser/chromium.ts';
import { toPlaywrightTest } from '../../src/browser/codegen.ts';
import { closeBrowsers } from '../../src/browser/launch.ts';
import type { VerificationPlan } from '../../src/browser/plan.ts';
import { runPlan } from '../../src/browser/runner.ts';
import { DATADESK, datadeskUnavailable } from '../helpers/datadesk.ts';
import { serve, type FixtureServer } from './fixtures.ts';

const html = (body: string) => `<!doctype html><title>t</title><body>${body}</body>`;

/** Page and whether "3 series" is in its status, as @playwright/test reads it. */
const CASES: Record<string, [string, boolean]> = {
  plain: [html('<p role="status">3 series</p>'), true],
  noscript: [html('<p role="status">Loading<noscript> 3 series</noscript></p>'), false],
  script: [html('<div role="status">Chart<script>var label = "3 series";</script></div>'), false],
  shadow: [
    html(
      '<p role="status"></p><script>document.querySelector("p").attachShadow({ mode: "open" }).textContent = "3 series shown";</script>',
    ),
    true,
  ],
  'soft-hyphen': [html('<p role="status">3 se\u00adries</p>'), true],
};

const planFor = (name: string): VerificationPlan => ({
  title: name,
  steps: [
    { action: 'goto', url: `/${name}` },
    { action: 'expect_text', target: { role: 'status' }, text: '3 series' },
  ],
});

describe.skipIf(datadeskUnavailable())('expect_text in the runner and under @playwright/test', () => {
  let app: FixtureServer;
  let dir: string;
  const underTest = new Map<string, boolean>();

  beforeAll(async () => {
    app = await serve(Object.fromEntries(Object.entries(CASES).map(([name, [page]]) => [`/${name}`, page])));
    dir = mkdtempSync(path.join(os.tmpdir(), 'lw-text-parity-'));
    const specs = path.join(dir, 'e2e');
    mkdirSync(specs);
    // The specs import @playwright/test as a repository's would: from its node_modules.
    symlinkSync(path.join(DATADESK, 'node_modules'), path.join(dir, 'node_modules'));
    for (const name of Object.keys(CASES))
      writeFileSync(path.join(specs, `${name}.spec.ts`), toPlaywrightTest(planFor(name), app.url, 1_000));
    const { executablePath, args } = resolveChromium();
    const config = path.join(dir, 'pw.config.mjs');
    writeFileSync(
      config,
      `export default ${JSON.stringify({
        testDir: specs,
        outputDir: path.join(dir, 'results'),
        workers: 1,
        use: { launchOptions: { executablePath, args } },
      })};\n`,
    );
    // Asynchronously: the fixture server answers from this process's event loop.
    const out = await promisify(execFile)(
      process.execPath,
      [
        path.join(DATADESK, 'node_modules/@playwright/test/cli.js'),
        'test',
        '--config',
        config,
        '--reporter=json',
      ],
      { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir }, timeout: 100_000 },
    ).then(
      (r) => r.stdout,
      (error: { stdout?: string }) => error.stdout ?? '', // some specs fail on purpose
    );
    const report = JSON.parse(out) as {
      suites: { specs: { title: string; ok: boolean }[] }[];
      errors: { message: string }[];
    };
    expect(report.errors.map((e) => e.message)).toEqual([]);
    for (const spec of report.suites.flatMap((s) => s.specs)) underTest.set(spec.title, spec.ok);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await closeBrowsers();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const [name, [, expected]] of Object.entries(CASES)) {
    it(`${name}: both ${expected ? 'pass' : 'fail'}`, async () => {
      expect(underTest.get(name), `@playwright/test on ${name}`).toBe(expected);
      const run = await runPlan(planFor(name), {
        appUrl: app.url,
        label: 'head-1',
        stepsDir: path.join(dir, 'steps', name),
        stepTimeoutMs: 1_000,
      });
      expect(run.verdict === 'passed', `runner on ${name}: ${JSON.stringify(run.steps[1])}`).toBe(expected);
    }, 60_000);
  }
});
