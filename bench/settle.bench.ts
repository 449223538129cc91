/**
 * Page-settle figures (src/browser/settle.ts). Run: node_modules/.bin/node bench/settle.bench.ts
 *  1. time to settled and aria snapshot size (chars, refs) for each Datadesk page and each page of
 *     the late-rendering fixture app (test/browser/slow-app.ts), from a fresh context each time
 *  2. the settle on a page that is already settled, against the old wait (domcontentloaded, load,
 *     150 ms) in the same run → ratio
 *  3. the proof of the demo-like legend plan on Datadesk (base, head twice, route screenshots, no
 *     GIF) with the settle against settleMs 0 (the page taken as it is), interleaved → what it adds
 * Datadesk parts are skipped (saying why) when its node_modules are not installed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright';
import { closeBrowsers, launchBrowser } from '../src/browser/launch.ts';
import { settlePage } from '../src/browser/settle.ts';
import { prove } from '../src/evidence/proof.ts';
import { startSlowApp } from '../test/browser/slow-app.ts';
import {
  applyLegendToggle,
  copyDatadesk,
  DATADESK_ROUTES,
  datadeskUnavailable,
  legendPlan,
  startDevServer,
  type RunningApp,
} from '../test/helpers/datadesk.ts';
import { fmt, stats } from './stats.ts';

const N = Number(process.env.BENCH_N ?? 5);

/** Time to settled and snapshot size of one page, from a fresh context. */
async function settleOnce(browser: Browser, url: string, boundMs?: number) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  try {
    const page = await context.newPage();
    const t0 = performance.now();
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    const r = await settlePage(page, { timeoutMs: boundMs });
    const ms = performance.now() - t0;
    const refs = (r.snapshot.match(/\[ref=/g) ?? []).length;
    return { ms, settled: r.settled, chars: r.snapshot.length, refs, pending: r.pending.length };
  } finally {
    await context.close();
  }
}

async function pageFigures(browser: Browser, label: string, url: string, boundMs?: number): Promise<void> {
  const runs = [];
  for (let i = 0; i < N; i++) runs.push(await settleOnce(browser, url, boundMs));
  const last = runs.at(-1)!;
  const settled = runs.filter((r) => r.settled).length;
  console.log(
    `  ${label.padEnd(28)} to settled ${fmt(runs.map((r) => r.ms))}; settled ${settled}/${runs.length}; ` +
      `snapshot ${last.chars} chars, ${last.refs} refs${last.pending ? `; ${last.pending} request(s) pending at the bound` : ''}`,
  );
}

/** The settle on a page already settled, against the old fixed wait, interleaved. */
async function settledCost(browser: Browser, url: string): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  await page.goto(url);
  await settlePage(page);
  const settle: number[] = [];
  const old: number[] = [];
  for (let i = 0; i < N * 4; i++) {
    let t0 = performance.now();
    await settlePage(page);
    settle.push(performance.now() - t0);
    t0 = performance.now();
    await page.waitForLoadState('domcontentloaded', { timeout: 5_000 }).catch(() => undefined);
    await page.waitForLoadState('load', { timeout: 2_000 }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 150));
    old.push(performance.now() - t0);
  }
  await context.close();
  console.log(`  settle on a settled page      ${fmt(settle)}`);
  console.log(`  old wait (dcl + load + 150 ms) ${fmt(old)}`);
  console.log(`  ratio settle/old               ${(stats(settle).median / stats(old).median).toFixed(2)}`);
}

/** The legend proof with the settle and with settleMs 0, interleaved. */
async function proofCost(baseUrl: string, headUrl: string, tmp: string): Promise<void> {
  const times: Record<'settle' | 'none', number[]> = { settle: [], none: [] };
  for (let i = 0; i < Math.max(3, Math.ceil(N / 2)); i++) {
    for (const mode of ['settle', 'none'] as const) {
      const t0 = performance.now();
      const r = await prove({
        plan: legendPlan,
        ticketId: `bench-${mode}-${i}`,
        evidenceDir: path.join(tmp, `ev-${mode}-${i}`),
        baseUrl,
        headUrl,
        routes: DATADESK_ROUTES,
        gif: false,
        ...(mode === 'none' ? { settleMs: 0 } : {}),
      });
      if (r.outcome !== 'proven') throw new Error(`legend plan ${r.outcome}: ${r.feedback}`);
      times[mode].push(performance.now() - t0);
    }
  }
  console.log(`  proof with the settle          ${fmt(times.settle)}`);
  console.log(`  proof with settleMs 0          ${fmt(times.none)}`);
  const added = stats(times.settle).median - stats(times.none).median;
  console.log(
    `  the settle adds ${added.toFixed(0)} ms (ratio ${(stats(times.settle).median / stats(times.none).median).toFixed(2)})`,
  );
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'lw-bench-settle-'));
  const slow = await startSlowApp();
  const apps: RunningApp[] = [];
  try {
    const browser = await launchBrowser();
    console.log('1. time to settled (goto domcontentloaded → settled) and snapshot size');
    await pageFigures(browser, 'fixture /reports', `${slow.url}/reports`);
    await pageFigures(browser, 'fixture /empty', `${slow.url}/empty`);
    await pageFigures(browser, 'fixture /never (bound 3 s)', `${slow.url}/never`, 3_000);
    const unavailable = datadeskUnavailable();
    if (unavailable) {
      console.log(`Datadesk parts skipped: ${unavailable}`);
      return;
    }
    const base = await startDevServer(copyDatadesk(path.join(tmp, 'base')));
    apps.push(base);
    const headDir = copyDatadesk(path.join(tmp, 'head'));
    if (!applyLegendToggle(headDir)) throw new Error('the legend change no longer applies to Datadesk');
    const head = await startDevServer(headDir);
    apps.push(head);
    for (const route of ['/', ...DATADESK_ROUTES])
      await pageFigures(browser, `Datadesk ${route}`, base.url + route);
    console.log('2. the settle when the page is already settled (Datadesk /dashboards/revenue)');
    await settledCost(browser, `${base.url}/dashboards/revenue`);
    console.log('3. proof of the legend plan on Datadesk (base, head ×2, 3 route pairs, no GIF)');
    await proofCost(base.url, head.url, tmp);
  } finally {
    await closeBrowsers();
    for (const app of apps) await app.stop();
    await slow.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
