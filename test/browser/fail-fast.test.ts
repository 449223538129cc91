/**
 * Fail fast on a missing target (src/browser/fail-fast.ts): a step whose target is absent from a
 * page that stopped changing fails then, not at the step timeout; a page still loading what will
 * show the target (a request in flight) is waited for.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settledQuiet, type FailFastOptions } from '../../src/browser/fail-fast.ts';
import { closeBrowsers } from '../../src/browser/launch.ts';
import type { VerificationPlan } from '../../src/browser/plan.ts';
import { runPlan } from '../../src/browser/runner.ts';

const STEP_TIMEOUT_MS = 20_000;
const PAGES: Record<string, string> = {
  '/static': '<!doctype html><title>s</title><main><h1>No button here</h1></main>',
  // The button arrives with the answer of a slow request started at load.
  '/late':
    '<!doctype html><title>l</title><main id="m"></main><script>fetch("/slow").then((r) => r.text()).then((t) => {' +
    'const b = document.createElement("button"); b.textContent = t; b.onclick = () => (document.title = "clicked");' +
    'document.getElementById("m").append(b); });</script>',
};

let server: Server;
let url: string;
let dir: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/slow') {
      setTimeout(() => res.end('Go'), 3000);
      return;
    }
    res.setHeader('content-type', 'text/html');
    res.end(PAGES[req.url ?? ''] ?? '');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  dir = mkdtempSync(path.join(os.tmpdir(), 'lw-failfast-'));
});

afterAll(async () => {
  await closeBrowsers();
  server.closeAllConnections();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const plan = (route: string): VerificationPlan => ({
  title: 'click Go',
  steps: [
    { action: 'goto', url: route },
    { action: 'click', target: { role: 'button', name: 'Go' } },
    { action: 'expect_visible', target: { role: 'button', name: 'Go' } },
  ],
});

const run = (route: string, label: string, failFast: FailFastOptions) =>
  runPlan(plan(route), {
    appUrl: url,
    label,
    stepsDir: path.join(dir, label),
    stepTimeoutMs: STEP_TIMEOUT_MS,
    failFast,
  });

// The default check, and the settle the proof's base run uses (settle.ts).
describe.each([
  { quietBy: 'pageQuiet', failFast: {} },
  { quietBy: 'settledQuiet', failFast: { quiet: (page) => settledQuiet(page) } },
] satisfies { quietBy: string; failFast: FailFastOptions }[])(
  'fail fast on a missing target ($quietBy)',
  ({ quietBy, failFast }) => {
    it('a click whose target is absent from a quiet page fails well before the step timeout', async () => {
      const result = await run('/static', `static-${quietBy}`, failFast);
      const click = result.steps[1]!;
      expect(click.status).toBe('failed');
      expect(click.failure).toBe('not_found');
      expect(click.durationMs).toBeLessThan(STEP_TIMEOUT_MS - 5_000);
    }, 60_000);

    it('a page waiting on a request in flight is not quiet: the target that arrives with it is clicked', async () => {
      const result = await run('/late', `late-${quietBy}`, failFast);
      expect(result.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'passed']);
    }, 60_000);
  },
);
