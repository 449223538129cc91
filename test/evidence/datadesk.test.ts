/**
 * The proof and the browser tools on the real Datadesk app (sandbox/datadesk), base = the app as
 * it is, head = a copy with the demo change (legend click hides the line), each on its own
 * `npm run dev`. Skipped, saying why, when Datadesk's dependencies are not installed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBrowsers } from '../../src/browser/launch.ts';
import { BrowserSession } from '../../src/browser/session.ts';
import { browserTools } from '../../src/browser/tools.ts';
import { probeVideo } from '../../src/evidence/media.ts';
import { prove } from '../../src/evidence/proof.ts';
import {
  applyLegendToggle,
  copyDatadesk,
  DATADESK_ROUTES,
  datadeskUnavailable,
  legendPlan,
  startDevServer,
  type RunningApp,
} from '../helpers/datadesk.ts';

const unavailable = datadeskUnavailable();
if (unavailable) console.warn(`skipping Datadesk tests: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('Datadesk', () => {
  let tmp: string;
  let base: RunningApp | undefined;
  let head: RunningApp | undefined;
  let patched = false;

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'lw-datadesk-'));
    const baseDir = copyDatadesk(path.join(tmp, 'base'));
    const headDir = copyDatadesk(path.join(tmp, 'head'));
    patched = applyLegendToggle(headDir);
    [base, head] = await Promise.all([startDevServer(baseDir), startDevServer(headDir)]);
  }, 120_000);

  afterAll(async () => {
    await closeBrowsers();
    await base?.stop();
    await head?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('the agent tools see the revenue dashboard and drive its filters', async () => {
    const session = await BrowserSession.open({ appUrl: base!.url, outputDir: path.join(tmp, 'scratch') });
    try {
      const run = (name: string, input: unknown) => {
        const tool = browserTools.find((t) => t.name === name)!;
        return tool.run({ browser: session }, tool.input.parse(input));
      };
      const nav = await run('browser_navigate', { url: '/dashboards/revenue' });
      expect(nav.text).toMatch(/heading "Revenue" \[level=1\] \[ref=e\d+\]/);
      const ref = nav.text.match(/combobox "Region" \[ref=(e\d+)\]/)?.[1];
      expect(ref).toBeDefined();
      const selected = await run('browser_select_option', {
        element: 'Region filter',
        ref,
        values: ['North'],
      });
      expect(selected.ok).toBe(true);
      expect(selected.text).toMatch(/status \[ref=e\d+\]: Showing .* North region/);
      const problems = await run('browser_console_messages', {});
      expect(problems.text).not.toContain('[page-error]');
    } finally {
      await session.close();
    }
  });

  it('proves the legend change: fails on Datadesk as it is, passes twice with the change', async (ctx) => {
    const why = 'RevenueChart.tsx no longer has the shape the demo patch expects';
    if (!patched && process.env.CI) throw new Error(`${why}: update the patch in this test`);
    if (!patched) ctx.skip(why);
    const dir = path.join(tmp, 'evidence', 't-dd');
    const result = await prove({
      plan: legendPlan,
      ticketId: 't-dd',
      evidenceDir: dir,
      baseUrl: base!.url,
      headUrl: head!.url,
      routes: DATADESK_ROUTES,
      stepTimeoutMs: 3_000,
    });
    expect(result.outcome, result.feedback).toBe('proven');
    expect(result.runs[0]?.steps[3]).toMatchObject({ status: 'failed', failure: 'expectation' });
    expect(result.evidence?.screenshots).toContain(path.join(dir, 'after', 'dashboards-orders.png'));
    const video = await probeVideo(path.join(dir, 'head.webm'));
    expect(video.durationSec).toBeGreaterThan(0);
  }, 120_000);
});
