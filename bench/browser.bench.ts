/**
 * Browser and evidence figures. Run: node_modules/.bin/node bench/browser.bench.ts
 *  1. plan run time with video + trace vs without (same plan, interleaved, same run) → ratio
 *  2. GIF preview: generation time and size for the demo-like plan's video
 *  3. tokens (chars/4) of the aria snapshot vs the page's HTML, per Datadesk page → ratio
 *  4. Chromium launch vs new context + page, median of 10 → ratio
 * Datadesk parts are skipped (saying why) when its node_modules are not installed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closeBrowsers, launchBrowser, startBrowser } from '../src/browser/launch.ts';
import type { VerificationPlan } from '../src/browser/plan.ts';
import { runPlan } from '../src/browser/runner.ts';
import { ensureFfmpegLink } from '../src/browser/chromium.ts';
import { makeGif } from '../src/evidence/media.ts';
import {
  applyLegendToggle,
  copyDatadesk,
  DATADESK_ROUTES,
  datadeskUnavailable,
  legendPlan,
  startDevServer,
  type RunningApp,
} from '../test/helpers/datadesk.ts';
import { page, serve } from '../test/browser/fixtures.ts';
import { fmt, stats } from './stats.ts';

const N = Number(process.env.BENCH_N ?? 5);

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const out = await fn();
  return [performance.now() - t0, out];
}

async function main(): Promise<void> {
  ensureFfmpegLink();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'lw-bench-browser-'));
  const fixture = await serve({ '/dashboards/revenue': page('legend-new.html') });
  const apps: RunningApp[] = [];
  try {
    const unavailable = datadeskUnavailable();
    let headUrl = fixture.url;
    let which = 'fixture legend page';
    let htmlPages: { route: string; url: string }[] = [];
    if (unavailable) {
      console.log(`Datadesk parts use the fixture page instead: ${unavailable}`);
    } else {
      const dir = copyDatadesk(path.join(tmp, 'head'));
      if (applyLegendToggle(dir)) {
        const app = await startDevServer(dir);
        apps.push(app);
        headUrl = app.url;
        which = 'Datadesk with the legend change';
        htmlPages = DATADESK_ROUTES.map((route) => ({ route, url: app.url }));
      }
    }
    const plan: VerificationPlan = (
      which.startsWith('Datadesk')
        ? legendPlan
        : {
            title: 'Legend hides line',
            steps: [
              { action: 'goto', url: '/dashboards/revenue' },
              { action: 'click', target: { role: 'button', name: 'Refunds' } },
              { action: 'expect_hidden', target: { testId: 'series-refunds' } },
              { action: 'screenshot', caption: 'Refunds hidden' },
            ],
          }
    ) as VerificationPlan;

    await launchBrowser(); // warm: the launch is figure 4, not part of figure 1
    await runPlan(plan, { appUrl: headUrl, label: 'warm', stepsDir: path.join(tmp, 'warm') });

    // 1. Recording overhead.
    const plain: number[] = [];
    const recorded: number[] = [];
    let lastVideo = '';
    for (let i = 0; i < N; i++) {
      const [a, r1] = await timed(() =>
        runPlan(plan, { appUrl: headUrl, label: `p${i}`, stepsDir: path.join(tmp, 's') }),
      );
      const [b, r2] = await timed(() =>
        runPlan(plan, {
          appUrl: headUrl,
          label: `r${i}`,
          stepsDir: path.join(tmp, 's'),
          videoPath: path.join(tmp, `v${i}.webm`),
          tracePath: path.join(tmp, `t${i}.zip`),
        }),
      );
      if (r1.verdict !== 'passed' || r2.verdict !== 'passed')
        throw new Error(`plan failed on ${which}: ${JSON.stringify(r1.steps)}`);
      plain.push(a);
      recorded.push(b);
    }
    console.log(`\n1. Plan run on ${which} (${plan.steps.length} steps)`);
    console.log(`   without video/trace: ${fmt(plain)}`);
    console.log(`   with video + trace:  ${fmt(recorded)}`);
    console.log(`   ratio (median): ${(stats(recorded).median / stats(plain).median).toFixed(2)}x`);

    // 2. GIF of the demo-like run, recorded as `prove` records it (400 ms between steps).
    const demo = await runPlan(plan, {
      appUrl: headUrl,
      label: 'demo',
      stepsDir: path.join(tmp, 'demo'),
      videoPath: path.join(tmp, 'demo.webm'),
      stepDelayMs: 400,
    });
    lastVideo = demo.video ?? '';
    const gifTimes: number[] = [];
    let gif = { bytes: 0, width: 0, fps: 0 };
    for (let i = 0; i < 3; i++) {
      const [ms, g] = await timed(() => makeGif(lastVideo, path.join(tmp, `demo-${i}.gif`)));
      gifTimes.push(ms);
      gif = g;
    }
    const { statSync } = await import('node:fs');
    console.log(
      `\n2. GIF preview of the demo-like run (video ${(statSync(lastVideo).size / 1024).toFixed(0)} KB)`,
    );
    console.log(`   generation: ${fmt(gifTimes)}`);
    console.log(
      `   size: ${(gif.bytes / 1024).toFixed(0)} KB at ${gif.width}px, ${gif.fps} fps (cap 2048 KB)`,
    );

    // 3. Aria snapshot vs HTML, in tokens (chars / 4).
    console.log('\n3. Tokens (chars/4): aria snapshot (ai mode) vs page HTML');
    if (htmlPages.length === 0) htmlPages = [{ route: '/dashboards/revenue', url: fixture.url }];
    const browser = await launchBrowser();
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const p = await ctx.newPage();
    const ratios: number[] = [];
    for (const { route, url } of htmlPages) {
      await p.goto(url + route, { waitUntil: 'load' });
      await p.waitForTimeout(500);
      const snap = await p.ariaSnapshot({ mode: 'ai' });
      const html = await p.content();
      const ratio = html.length / snap.length;
      ratios.push(ratio);
      console.log(
        `   ${route.padEnd(22)} snapshot ${Math.round(snap.length / 4)} tokens, HTML ${Math.round(html.length / 4)} tokens → HTML/snapshot ${ratio.toFixed(1)}x`,
      );
    }
    console.log(`   median ratio ${stats(ratios).median.toFixed(1)}x`);
    await ctx.close();

    // 4. Launch vs context + page.
    const launches: number[] = [];
    const contexts: number[] = [];
    for (let i = 0; i < 10; i++) {
      const [ms, b] = await timed(() => startBrowser());
      launches.push(ms);
      await b.close();
      const [cms, c] = await timed(async () => {
        const c = await browser.newContext();
        await c.newPage();
        return c;
      });
      contexts.push(cms);
      await c.close();
    }
    console.log('\n4. Chromium');
    console.log(`   launch:              ${fmt(launches)}`);
    console.log(`   new context + page:  ${fmt(contexts)}`);
    console.log(
      `   ratio (median): launch is ${(stats(launches).median / stats(contexts).median).toFixed(1)}x a context`,
    );
  } finally {
    await closeBrowsers();
    for (const app of apps) await app.stop();
    await fixture.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
