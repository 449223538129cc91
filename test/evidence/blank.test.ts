/**
 * A screenshot that stays a single colour after the page settled is flagged in the manifest, on
 * the ticket page and in the PR body, and is never shown as evidence.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBrowsers } from '../../src/browser/launch.ts';
import { readManifest } from '../../src/evidence/manifest.ts';
import { prove } from '../../src/evidence/proof.ts';
import { buildPrBody } from '../../src/forge/body.ts';
import { readEvidenceView } from '../../src/web/evidence.ts';
import { renderEvidence } from '../../src/web/render/evidence.ts';
import { page, serve, type FixtureServer } from '../browser/fixtures.ts';
import { testTicket } from '../fakes/github/setup.ts';

const ROUTE = '/dashboards/revenue';
const EMPTY = '<!doctype html><title>Blank</title><body style="background:#f5f5f5"></body>';

let oldApp: FixtureServer;
let newApp: FixtureServer;
let home: string;

beforeAll(async () => {
  oldApp = await serve({ [ROUTE]: page('legend-old.html'), '/blank': EMPTY });
  newApp = await serve({ [ROUTE]: page('legend-new.html'), '/blank': EMPTY });
  home = mkdtempSync(path.join(os.tmpdir(), 'lw-blank-'));
});

afterAll(async () => {
  await closeBrowsers();
  await oldApp?.close();
  await newApp?.close();
  rmSync(home, { recursive: true, force: true });
});

describe('blank screenshots', () => {
  it('are flagged in the manifest, the ticket page and the PR body, and not shown', async () => {
    const dir = path.join(home, 'evidence', 't-blank');
    const result = await prove({
      plan: {
        title: 'Clicking a legend entry hides its line',
        steps: [
          { action: 'goto', url: ROUTE },
          { action: 'click', target: { role: 'button', name: 'Refunds' } },
          { action: 'expect_hidden', target: { testId: 'series-refunds' } },
        ],
      },
      ticketId: 't-blank',
      evidenceDir: dir,
      baseUrl: oldApp.url,
      headUrl: newApp.url,
      routes: [ROUTE, '/blank'],
      stepTimeoutMs: 1_500,
      stepDelayMs: 0,
      settleMs: 1_000,
      gif: false,
    });
    expect(result.outcome).toBe('proven');
    const ev = result.evidence!;
    const blank = [path.join(dir, 'after', 'blank.png'), path.join(dir, 'before', 'blank.png')];
    expect(ev.blank?.sort()).toEqual(blank.sort());
    expect(ev.screenshots).toContain(path.join(dir, 'after', 'dashboards-revenue.png'));
    for (const b of blank) expect(ev.screenshots).not.toContain(b);

    const manifest = readManifest(dir)!;
    const flagged = manifest.artifacts.filter((a) => a.blank).map((a) => a.path);
    expect(flagged.sort()).toEqual(['after/blank.png', 'before/blank.png']);
    expect(manifest.notes.join('\n')).toContain('after/blank.png stayed blank');

    const ticket = testTicket('t-blank', { evidence: ev });
    const body = buildPrBody({ ticket, proof: result, evidenceUrl: (rel) => `https://ev.example/${rel}` });
    expect(body).toContain('[!WARNING]');
    expect(body).toContain('`after/blank.png`');
    expect(body).not.toContain('https://ev.example/after/blank.png');
    expect(body).toContain('https://ev.example/after/dashboards-revenue.png');

    const view = await readEvidenceView(path.join(home, 'evidence'), ticket);
    expect(view.after).toEqual(['after/dashboards-revenue.png']);
    const html = String(renderEvidence('t-blank', view));
    expect(html).toContain('Blank screenshots');
    expect(html).toContain('<code>after/blank.png</code>');
    expect(html).not.toContain('after/blank.png"');
  });
});
