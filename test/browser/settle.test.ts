/**
 * The browser sees what a person sees on an app that renders late (test/browser/slow-app.ts): the
 * tools, the plan runner and the route screenshots wait for the page to settle, never hang on the
 * open event stream, and say what was pending when a page does not settle in time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSingleColour } from '../../src/browser/blank.ts';
import { closeBrowsers } from '../../src/browser/launch.ts';
import { runPlan } from '../../src/browser/runner.ts';
import { BrowserSession } from '../../src/browser/session.ts';
import { browserTools } from '../../src/browser/tools.ts';
import type { ToolResponse } from '../../src/core/tool.ts';
import { screenshotRoutes } from '../../src/evidence/routes.ts';
import { startSlowApp, type SlowApp } from './slow-app.ts';

let app: SlowApp;
let dir: string;
let session: BrowserSession;

/** The bound of these tests: generous for a loaded machine, far below a hang. */
const SETTLE_MS = 6_000;

async function call(name: string, input: unknown): Promise<ToolResponse & { ms: number }> {
  const tool = browserTools.find((t) => t.name === name);
  if (!tool) throw new Error(`no tool ${name}`);
  const t0 = performance.now();
  const res = await tool.run({ browser: session }, tool.input.parse(input));
  return { ...res, ms: performance.now() - t0 };
}

beforeAll(async () => {
  app = await startSlowApp();
  dir = mkdtempSync(path.join(os.tmpdir(), 'lw-settle-'));
  session = await BrowserSession.open({ appUrl: app.url, outputDir: dir, settleMs: SETTLE_MS });
});

afterAll(async () => {
  await session?.close();
  await closeBrowsers();
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('settled pages in the browser tools', () => {
  it('browser_navigate returns the content rendered after a lazy route and a slow fetch', async () => {
    const res = await call('browser_navigate', { url: '/reports' });
    expect(res.text).toContain('heading "Reports"');
    expect(res.text).toMatch(/cell "north"/);
    expect(res.text).toMatch(/button "Export" \[ref=e\d+\]/);
    expect(res.text).not.toContain('did not settle');
    // The event stream and the websocket stay open the whole time: the settle does not wait for them.
    expect(res.ms).toBeLessThan(SETTLE_MS);
    expect(app.requests).toContain('/events');
    expect(app.requests).toContain('/hmr');
  });

  it('a page that never settles returns within the bound and names what was pending', async () => {
    const res = await call('browser_navigate', { url: '/never' });
    expect(res.text).toMatch(/did not settle within 6 s/);
    expect(res.text).toContain(`${app.url}/api/hang`);
    expect(res.text).toContain('DOM still changing');
    expect(res.text).not.toContain('/events');
    expect(res.text).not.toContain('/hmr');
    expect(res.ms).toBeLessThan(SETTLE_MS + 8_000);
  });

  it('an empty page is explained, not returned as a silent empty snapshot', async () => {
    const res = await call('browser_navigate', { url: '/empty' });
    expect(res.text).toMatch(/page shows nothing/i);
  });
});

describe('screenshots of a late-rendering app', () => {
  it('the plan runner screenshots the rendered page, not a blank one', async () => {
    const run = await runPlan(
      {
        title: 'Reports load',
        steps: [
          { action: 'goto', url: '/reports' },
          { action: 'screenshot', caption: 'reports' },
        ],
      },
      { appUrl: app.url, label: 'head-1', stepsDir: path.join(dir, 'steps'), settleMs: SETTLE_MS },
    );
    expect(run.verdict).toBe('passed');
    for (const step of run.steps) {
      expect(step.screenshot).toBeDefined();
      expect(isSingleColour(step.screenshot!)).toBe(false);
      expect(step.blank).toBeUndefined();
    }
  });

  it('route screenshots show the rendered route', async () => {
    const [shot] = await screenshotRoutes(app.url, ['/reports'], path.join(dir, 'after'), {
      settleMs: SETTLE_MS,
    });
    expect(shot?.error).toBeUndefined();
    expect(isSingleColour(shot!.path)).toBe(false);
    expect(shot?.blank).toBeUndefined();
  });

  it('a page that stays blank is flagged, not passed off as evidence', async () => {
    const [shot] = await screenshotRoutes(app.url, ['/empty'], path.join(dir, 'blank'), { settleMs: 1_000 });
    expect(isSingleColour(shot!.path)).toBe(true);
    expect(shot?.blank).toBe(true);
  });
});
