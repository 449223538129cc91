import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toPlaywrightTest } from '../../src/browser/codegen.ts';
import { closeBrowsers } from '../../src/browser/launch.ts';
import type { VerificationPlan } from '../../src/browser/plan.ts';
import { runPlan } from '../../src/browser/runner.ts';
import { validatePlan } from '../../src/browser/validate.ts';
import { page, serve, type FixtureServer } from './fixtures.ts';

let app: FixtureServer;
let dir: string;

beforeAll(async () => {
  app = await serve({
    '/': page('tools.html'),
    '/legend': page('legend-new.html'),
  });
  dir = mkdtempSync(path.join(os.tmpdir(), 'lw-runner-'));
});

afterAll(async () => {
  await closeBrowsers();
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('validatePlan', () => {
  it('accepts the DESIGN.md example', () => {
    const res = validatePlan({
      title: 'Clicking a legend entry hides its line',
      steps: [
        { action: 'goto', url: '/dashboards/revenue' },
        { action: 'click', target: { role: 'button', name: 'Refunds' } },
        { action: 'fill', target: { label: 'Search' }, value: 'north' },
        { action: 'press', key: 'Enter' },
        { action: 'select', target: { label: 'Range' }, value: '30d' },
        { action: 'expect_visible', target: { text: 'Refunds hidden' } },
        { action: 'expect_hidden', target: { testId: 'series-refunds' } },
        { action: 'expect_text', target: { role: 'status' }, text: '3 series' },
        { action: 'expect_url', pattern: 'range=30d' },
        { action: 'screenshot', caption: 'Refunds line hidden' },
      ],
    });
    expect(res.ok).toBe(true);
  });

  it('names the step and field of each mistake', () => {
    const res = validatePlan({
      title: 'x',
      steps: [
        { action: 'goto', url: 'http://127.0.0.1:3000/dashboards' },
        { action: 'tap', target: { text: 'Go' } },
        { action: 'click', target: { role: 'button', css: '.go' } },
        { action: 'fill', target: { label: 'Search' } },
        { action: 'expect_url', pattern: '/(/' },
      ],
    });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    const text = res.errors.join('\n');
    expect(text).toContain('step 1 (goto), field url: use a path starting with /');
    expect(text).toContain('step 2: action "tap" is unknown');
    expect(text).toContain('step 3 (click), field target: must be exactly one of');
    expect(text).toContain('step 4 (fill), field value: expected string');
    expect(text).toContain('step 5 (expect_url), field pattern');
  });

  it('refuses a plan without expectations or starting elsewhere than a goto', () => {
    const res = validatePlan({ title: 't', steps: [{ action: 'click', target: { text: 'Go' } }] });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.errors.join('\n')).toContain('no expect_* step');
    expect(res.errors.join('\n')).toContain('step 1: must be a goto');
    expect(validatePlan('not json').ok).toBe(false);
  });
});

describe('toPlaywrightTest', () => {
  it('emits one @playwright/test call per step', () => {
    const src = toPlaywrightTest(
      {
        title: "Legend's toggle",
        steps: [
          { action: 'goto', url: '/legend' },
          { action: 'select', target: { label: 'Range' }, value: ['7d', '30d'] },
          { action: 'press', key: 'Enter' },
          { action: 'expect_text', target: { role: 'status', name: 'x', exact: true }, text: '1 series' },
          { action: 'expect_url', pattern: 'range=30d' },
          { action: 'expect_visible', target: { css: '.a' } },
        ],
      },
      'http://127.0.0.1:4000',
    );
    expect(src).toContain("import { test, expect } from '@playwright/test';");
    expect(src).toContain("test('Legend\\'s toggle', async ({ page }) => {");
    expect(src).toContain("process.env.BASE_URL ?? 'http://127.0.0.1:4000'");
    expect(src).toContain("await page.getByLabel('Range').selectOption(['7d', '30d'], { timeout: 5000 });");
    expect(src).toContain("await page.keyboard.press('Enter');");
    expect(src).toContain(
      "await expect(page.getByRole('status', { name: 'x', exact: true })).toContainText('1 series', { timeout: 5000 });",
    );
    expect(src).toContain('await expect(page).toHaveURL(/range=30d/, { timeout: 5000 });');
    expect(src).toContain("await expect(page.locator('.a')).toBeVisible({ timeout: 5000 });");
  });
});

describe('runPlan', () => {
  it('runs every kind of step and screenshots each', async () => {
    const plan: VerificationPlan = {
      title: 'Tool page works',
      steps: [
        { action: 'goto', url: '/' },
        { action: 'fill', target: { label: 'Search' }, value: 'north' },
        { action: 'press', key: 'Enter', target: { label: 'Search' } },
        { action: 'expect_text', target: { css: '#result' }, text: 'Searched: north' },
        { action: 'select', target: { label: 'Range' }, value: '30d' },
        { action: 'expect_visible', target: { text: 'Range is 30d' } },
        { action: 'click', target: { role: 'button', name: 'Build report' } },
        { action: 'expect_visible', target: { text: 'Report ready' } },
        { action: 'expect_hidden', target: { text: 'Working…' } },
        { action: 'click', target: { role: 'link', name: 'Legend page' } },
        { action: 'expect_url', pattern: '/legend' },
        { action: 'expect_visible', target: { testId: 'series-refunds' } },
        { action: 'screenshot', caption: 'Legend page' },
      ],
    };
    const run = await runPlan(plan, { appUrl: app.url, label: 'head-1', stepsDir: path.join(dir, 'steps') });
    expect(run.steps.filter((s) => s.status !== 'passed')).toEqual([]);
    expect(run.verdict).toBe('passed');
    expect(run.steps.every((s) => s.screenshot && existsSync(s.screenshot))).toBe(true);
    expect(path.basename(run.steps[12]!.screenshot!)).toBe('head-1-13-legend-page.png');
  });

  it('stops at the first failure with a reason and skips the rest', async () => {
    const ambiguous: VerificationPlan = {
      title: 'Ambiguous',
      steps: [
        { action: 'goto', url: '/legend' },
        { action: 'click', target: { role: 'button' } },
        { action: 'expect_visible', target: { text: 'x' } },
      ],
    };
    const a = await runPlan(ambiguous, {
      appUrl: app.url,
      label: 'base',
      stepsDir: path.join(dir, 'a'),
      stepTimeoutMs: 1_000,
    });
    expect(a.verdict).toBe('failed');
    expect(a.steps[1]).toMatchObject({ status: 'failed', failure: 'ambiguous' });
    expect(a.steps[1]?.error).toContain('2 elements match role button');
    expect(a.steps[1]?.screenshot && existsSync(a.steps[1].screenshot)).toBe(true);
    expect(a.steps[2]?.status).toBe('skipped');

    const wrongText: VerificationPlan = {
      title: 'Wrong text',
      steps: [
        { action: 'goto', url: '/legend' },
        { action: 'expect_text', target: { role: 'status' }, text: '5 series' },
      ],
    };
    const t = await runPlan(wrongText, {
      appUrl: app.url,
      label: 'base',
      stepsDir: path.join(dir, 't'),
      stepTimeoutMs: 800,
    });
    expect(t.steps[1]?.error).toBe(
      "expected the element with role status to contain '5 series', but its text is '2 series shown'",
    );

    const elsewhere: VerificationPlan = {
      title: 'Elsewhere',
      steps: [
        { action: 'goto', url: 'https://example.com/' },
        { action: 'expect_url', pattern: 'example' },
      ],
    };
    const e = await runPlan(elsewhere, { appUrl: app.url, label: 'base', stepsDir: path.join(dir, 'e') });
    expect(e.steps[0]?.error).toContain('refused');
  });

  it('records a video and a trace when asked', async () => {
    const plan: VerificationPlan = {
      title: 'Legend',
      steps: [
        { action: 'goto', url: '/legend' },
        { action: 'click', target: { role: 'button', name: 'Refunds' } },
        { action: 'expect_hidden', target: { testId: 'series-refunds' } },
      ],
    };
    const run = await runPlan(plan, {
      appUrl: app.url,
      label: 'head-1',
      stepsDir: path.join(dir, 'v'),
      videoPath: path.join(dir, 'v', 'head.webm'),
      tracePath: path.join(dir, 'v', 'trace.zip'),
    });
    expect(run.verdict).toBe('passed');
    expect(run.video && existsSync(run.video)).toBe(true);
    expect(run.trace && existsSync(run.trace)).toBe(true);
    expect(existsSync(path.join(dir, 'v', 'head.webm.parts'))).toBe(false);
  });
});
