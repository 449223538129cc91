import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBrowsers } from '../../src/browser/launch.ts';
import { finalizeManifest, sha256File, type EvidenceManifest } from '../../src/evidence/manifest.ts';
import { probeVideo } from '../../src/evidence/media.ts';
import { prove } from '../../src/evidence/proof.ts';
import { page, serve, type FixtureServer } from '../browser/fixtures.ts';

const ROUTE = '/dashboards/revenue';

const legendPlan = {
  title: 'Clicking a legend entry hides its line',
  steps: [
    { action: 'goto', url: ROUTE },
    { action: 'expect_visible', target: { testId: 'series-refunds' } },
    { action: 'click', target: { role: 'button', name: 'Refunds' } },
    { action: 'expect_hidden', target: { testId: 'series-refunds' } },
    { action: 'expect_text', target: { role: 'status' }, text: '1 series shown' },
    { action: 'screenshot', caption: 'Refunds line hidden' },
  ],
};

let oldApp: FixtureServer;
let newApp: FixtureServer;
let home: string;

beforeAll(async () => {
  oldApp = await serve({ [ROUTE]: page('legend-old.html') });
  newApp = await serve({ [ROUTE]: page('legend-new.html'), '/dashboards/refunds': page('legend-new.html') });
  home = mkdtempSync(path.join(os.tmpdir(), 'lw-proof-'));
});

afterAll(async () => {
  await closeBrowsers();
  await oldApp?.close();
  await newApp?.close();
  rmSync(home, { recursive: true, force: true });
});

const dirFor = (id: string) => path.join(home, 'evidence', id);
const fast = { stepTimeoutMs: 1_500, stepDelayMs: 100 };

describe('prove', () => {
  it('proven: fails on base, passes twice on head, with a complete evidence dir', async () => {
    const dir = dirFor('t-proven');
    const result = await prove({
      plan: legendPlan,
      ticketId: 't-proven',
      evidenceDir: dir,
      baseUrl: oldApp.url,
      headUrl: newApp.url,
      routes: [ROUTE],
      // The head runs pass: a longer bound costs nothing, and the base run beside them loads the machine.
      ...fast,
      stepTimeoutMs: 5_000,
    });
    expect(result.outcome).toBe('proven');
    expect(result.feedback).toContain('fails at step 4 (expect_hidden)');
    expect(result.runs.map((r) => [r.label, r.verdict])).toEqual([
      ['base', 'failed'],
      ['head-1', 'passed'],
      ['head-2', 'passed'],
    ]);
    const base = result.runs[0]!;
    expect(base.steps.map((s) => s.status)).toEqual([
      'passed',
      'passed',
      'passed',
      'failed',
      'skipped',
      'skipped',
    ]);
    expect(base.steps[3]?.failure).toBe('expectation');

    const ev = result.evidence!;
    expect(ev.proof).toEqual({ base: 'failed', head: ['passed', 'passed'] });
    expect(ev.video).toBe(path.join(dir, 'head.webm'));
    expect(ev.gif).toBe(path.join(dir, 'head.gif'));
    expect(ev.screenshots).toContain(path.join(dir, 'steps', 'head-06-refunds-line-hidden.png'));
    expect(ev.screenshots).toContain(path.join(dir, 'after', 'dashboards-revenue.png'));

    const manifest = JSON.parse(readFileSync(ev.manifest, 'utf8')) as EvidenceManifest;
    expect(manifest.plan?.title).toBe(legendPlan.title);
    expect(manifest.outcome).toBe('proven');
    expect(manifest.runs[1]?.video).toBe('head.webm');
    const paths = manifest.artifacts.map((a) => a.path);
    for (const p of [
      'base.webm',
      'head.webm',
      'head.gif',
      'trace.zip',
      'proof.spec.ts',
      'steps/head-01-goto.png',
      'steps/base-04-expect-hidden.png',
      'before/dashboards-revenue.png',
      'after/dashboards-revenue.png',
    ]) {
      expect(paths).toContain(p);
    }
    for (const a of manifest.artifacts) {
      expect(a.sha256).toBe(sha256File(path.join(dir, a.path)));
      expect(path.isAbsolute(a.path)).toBe(false);
    }
    expect(manifest.artifacts.find((a) => a.path === 'steps/head-06-refunds-line-hidden.png')?.caption).toBe(
      'Refunds line hidden',
    );
    expect(manifest.artifacts.find((a) => a.path === 'head.webm')?.kind).toBe('video');

    for (const video of ['head.webm', 'base.webm']) {
      const info = await probeVideo(path.join(dir, video));
      // Playwright 1.65 records VP8 or VP9 depending on the ffmpeg build; both play in browsers.
      expect(['vp8', 'vp9']).toContain(info.codec);
      expect(info.durationSec).toBeGreaterThan(0);
    }
    expect(statSync(path.join(dir, 'head.gif')).size).toBeLessThanOrEqual(2 * 1024 * 1024);

    const spec = readFileSync(path.join(dir, 'proof.spec.ts'), 'utf8');
    expect(spec).toContain("await page.getByRole('button', { name: 'Refunds' }).click({ timeout: 5000 });");
    expect(spec).toContain("await expect(page.getByTestId('series-refunds')).toBeHidden({ timeout: 5000 });");

    // The transcript and the diff, written later by others, are listed after a rescan.
    writeFileSync(path.join(dir, 'transcript.jsonl'), '{"type":"message"}\n');
    writeFileSync(path.join(dir, 'diff.patch'), 'diff --git a/x b/x\n');
    const final = finalizeManifest(dir);
    expect(final.artifacts.find((a) => a.path === 'transcript.jsonl')?.kind).toBe('transcript');
    expect(final.artifacts.find((a) => a.path === 'diff.patch')?.kind).toBe('diff');
    expect(final.artifacts.find((a) => a.path === 'head.webm')?.caption).toMatch(/passes/);
  });

  it('passes_on_base: a plan the old code satisfies proves nothing', async () => {
    const plan = {
      title: 'Legend is shown',
      steps: [
        { action: 'goto', url: ROUTE },
        { action: 'expect_visible', target: { role: 'button', name: 'Refunds' } },
      ],
    };
    const result = await prove({
      plan,
      ticketId: 't-base',
      evidenceDir: dirFor('t-base'),
      baseUrl: oldApp.url,
      headUrl: newApp.url,
      ...fast,
    });
    expect(result.outcome).toBe('passes_on_base');
    expect(result.feedback).toContain('passes on the old code, so it proves nothing');
    expect(result.runs).toHaveLength(1);
    expect(result.evidence).toBeUndefined();
    expect(existsSync(path.join(dirFor('t-base'), 'manifest.json'))).toBe(true);
    // The head runs went beside the base run; a verdict that does not use them leaves none of their files.
    const manifest = JSON.parse(
      readFileSync(path.join(dirFor('t-base'), 'manifest.json'), 'utf8'),
    ) as EvidenceManifest;
    const paths = manifest.artifacts.map((a) => a.path);
    expect(paths.filter((p) => /^(head|trace)|steps\/head/.test(p))).toEqual([]);
    expect(paths).toContain('base.webm');
  });

  it('flaky: passes then fails on a page that changes behaviour per load', async () => {
    const flaky = await serve({ [ROUTE]: (n) => page(n % 2 === 1 ? 'legend-new.html' : 'legend-old.html') });
    try {
      const result = await prove({
        plan: legendPlan,
        ticketId: 't-flaky',
        evidenceDir: dirFor('t-flaky'),
        baseUrl: oldApp.url,
        headUrl: flaky.url,
        ...fast,
      });
      expect(result.outcome).toBe('flaky');
      expect(result.feedback).toMatch(/^flaky: passed then failed at step 4/);
      expect(result.runs.map((r) => r.verdict)).toEqual(['failed', 'passed', 'failed']);
    } finally {
      await flaky.close();
    }
  });

  it('fails_on_head: says which step and why', async () => {
    const plan = {
      title: 'Chargebacks can be hidden',
      steps: [
        { action: 'goto', url: ROUTE },
        { action: 'expect_visible', target: { testId: 'series-refunds' } },
        { action: 'click', target: { role: 'button', name: 'Chargebacks' } },
        { action: 'expect_hidden', target: { testId: 'series-chargebacks' } },
      ],
    };
    const result = await prove({
      plan,
      ticketId: 't-head',
      evidenceDir: dirFor('t-head'),
      baseUrl: oldApp.url,
      headUrl: newApp.url,
      ...fast,
    });
    expect(result.outcome).toBe('fails_on_head');
    expect(result.feedback).toContain(
      "fails at step 3 (click): no element with role button and name 'Chargebacks'",
    );
    expect(result.runs[1]?.steps[2]?.failure).toBe('not_found');
    expect(result.runs[1]?.steps[3]?.status).toBe('skipped');
  });

  it('invalid_plan: no expectations, bad fields', async () => {
    const noExpect = await prove({
      plan: {
        title: 'Click it',
        steps: [
          { action: 'goto', url: ROUTE },
          { action: 'click', target: { role: 'button', name: 'Refunds' } },
        ],
      },
      ticketId: 't-invalid',
      evidenceDir: dirFor('t-invalid'),
      baseUrl: oldApp.url,
      headUrl: newApp.url,
    });
    expect(noExpect.outcome).toBe('invalid_plan');
    expect(noExpect.feedback).toContain('proves nothing');
    expect(noExpect.runs).toHaveLength(0);
  });

  it('a goto to a route missing on base (404) counts as the base failure', async () => {
    const plan = {
      title: 'A refunds dashboard exists',
      steps: [
        { action: 'goto', url: '/dashboards/refunds' },
        { action: 'expect_visible', target: { role: 'heading', name: 'Revenue' } },
      ],
    };
    const result = await prove({
      plan,
      ticketId: 't-route',
      evidenceDir: dirFor('t-route'),
      baseUrl: oldApp.url,
      headUrl: newApp.url,
      gif: false,
      ...fast,
    });
    expect(result.outcome).toBe('proven');
    expect(result.runs[0]?.steps[0]?.failure).toBe('http_status');
    expect(result.feedback).toContain('HTTP 404');
  });

  it('throws, instead of proving, when the base app does not answer', async () => {
    const down = await serve({});
    const url = down.url;
    await down.close();
    await expect(
      prove({
        plan: legendPlan,
        ticketId: 't-down',
        evidenceDir: dirFor('t-down'),
        baseUrl: url,
        headUrl: newApp.url,
        ...fast,
      }),
    ).rejects.toMatchObject({ code: 'app_start_failed', retryable: true });
  });
});
