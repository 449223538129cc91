/**
 * The pages in real Chromium over the real SQL store (PGlite): live queue updates over SSE, the
 * ticket page's video and transcript, the PR page's Merge, escaping of hostile ticket text under
 * the CSP, and CSRF refusal of a cross-site form. With LOOPWRIGHT_SCREENSHOTS=1 the queue and
 * ticket pages are saved to docs/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stamp } from '../../src/core/events.ts';
import { resolveChromium } from '../../src/browser/chromium.ts';
import type { TicketStore } from '../../src/tickets/types.ts';
import type { PullRequestView, WebForge } from '../../src/web/types.ts';
import { appendSampleTimeline, finishTicket, SAMPLE_DIFF, writeEvidence } from './helpers/fixtures.ts';
import { openRealStore } from './helpers/real-store.ts';
import { startHarness, tempHome, type Harness } from './helpers/setup.ts';

const SCREENSHOTS = process.env.LOOPWRIGHT_SCREENSHOTS === '1';
const SHOT_DIR = path.resolve(import.meta.dirname, '../../docs/screenshots');
const XSS = `<img src=x onerror="window.__xss=1;alert(1)"><script>window.__xss=2;alert(2)</script><svg onload=alert(3)>`;

let browser: Browser;
let h: Harness | undefined;
let page: Page;
/** One PGlite store for the file (opening one takes seconds); each test starts its own server. */
let shared: { store: TicketStore; cleanup(): void };

beforeAll(async () => {
  const { executablePath, args } = resolveChromium();
  const home = tempHome();
  [browser, shared] = await Promise.all([
    chromium.launch({ executablePath, args }),
    openRealStore(home.dir).then((store) => ({ store, cleanup: home.cleanup })),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await shared?.store.close();
  shared?.cleanup();
});
afterEach(async () => {
  await page?.context().close();
  await h?.close();
  h = undefined;
});

async function start(opts: { forge?: WebForge; uiToken?: string; config?: Record<string, unknown> } = {}) {
  h = await startHarness({
    store: shared.store,
    keepStore: true,
    forge: opts.forge,
    config: { ...(opts.uiToken ? { uiToken: opts.uiToken } : {}), ...opts.config },
  });
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  return h;
}

/** Collects dialogs; any alert() from injected markup would land here. */
function watchDialogs(p: Page): string[] {
  const seen: string[] = [];
  p.on('dialog', (d) => {
    seen.push(d.message());
    void d.dismiss();
  });
  return seen;
}

const request = (text: string, requester = 'maria') => ({
  request: { text, source: 'slack' as const, requester },
});

describe('queue page', () => {
  it('updates rows live over SSE while a ticket moves through its stages', async () => {
    const { store, server } = await start();
    const a = (
      await store.submit(request('On the revenue dashboard, clicking a legend entry should hide that line'))
    ).ticket;
    await page.goto(server.url);
    await page.waitForSelector('body[data-live="ready"]');
    await page.waitForSelector('#live.on');
    await page.evaluate(() => ((window as unknown as { __sentinel: number }).__sentinel = 1));
    const row = page.locator(`#inflight #row-${a.id}`);
    await expect.poll(() => row.locator('.pos').textContent()).toBe('#1');

    for (const stage of ['preparing', 'coding', 'verifying'] as const) {
      await store.update(a.id, { status: 'running', stage });
      await store.append(a.id, stamp({ type: 'stage', stage }));
      await expect.poll(() => row.textContent()).toContain(stage);
    }
    const b = (await store.submit(request('Add a CSV export button to the notebook table', 'devon'))).ticket;
    const rowB = page.locator(`#inflight #row-${b.id}`);
    await expect.poll(() => rowB.locator('.pos').textContent()).toBe('#1');
    // Running rows come before queued ones.
    await expect
      .poll(() => page.locator('#inflight tbody tr').first().getAttribute('id'))
      .toBe(`row-${a.id}`);

    writeEvidence(h!.home, a.id);
    await finishTicket(store, h!.home, a.id, 7);
    const recentRow = page.locator(`#recent #row-${a.id}`);
    await expect.poll(() => recentRow.count()).toBe(1);
    expect(await recentRow.textContent()).toContain('PR #7');
    expect(await page.locator(`#inflight #row-${a.id}`).count()).toBe(0);
    expect(await page.locator('#recent-empty').isHidden()).toBe(true);
    // The page never reloaded.
    expect(await page.evaluate(() => (window as unknown as { __sentinel?: number }).__sentinel)).toBe(1);

    if (SCREENSHOTS) {
      await populateForScreenshot(h!);
      await page.reload();
      await page.waitForSelector('#live.on');
      mkdirSync(SHOT_DIR, { recursive: true });
      await page.screenshot({ path: path.join(SHOT_DIR, 'queue.png'), fullPage: true });
    }
  });

  it('filters by target in place, and live updates keep to the chosen target', async () => {
    const { store, server } = await start({
      config: { repo: tempHome().dir, targets: { notebooks: { repo: tempHome().dir } } },
    });
    const onTarget = (target: string, text: string) =>
      store.submit({ target, request: { text, source: 'web', requester: 'ana' } }).then((r) => r.ticket);
    const d1 = await onTarget('datadesk', 'Dashboards: a legend toggle');
    const n1 = await onTarget('notebooks', 'Notebooks: a cell counter');
    await page.goto(server.url);
    await page.waitForSelector('body[data-live="ready"]');
    await page.waitForSelector('#live.on');
    await page.evaluate(() => ((window as unknown as { __sentinel: number }).__sentinel = 1));
    const row = (id: string) => page.locator(`#row-${id}`);
    expect(await row(d1.id).count()).toBe(1);
    expect(await row(n1.id).count()).toBe(1);
    // With script, the select applies at once: no Show button.
    expect(await page.locator('#target-apply').isHidden()).toBe(true);

    await page.selectOption('#target-filter', 'notebooks');
    await expect.poll(() => row(d1.id).count()).toBe(0);
    await page.waitForSelector('body[data-live="ready"]');
    expect(await row(n1.id).count()).toBe(1);
    expect(new URL(page.url()).search).toBe('?target=notebooks');
    expect(await page.locator('p.counts .status-queued b').textContent()).toBe('1');

    // Live: a datadesk ticket submitted before a notebooks one; only the notebooks row arrives.
    const d2 = await onTarget('datadesk', 'Dashboards: a date picker');
    const n2 = await onTarget('notebooks', 'Notebooks: a kernel badge');
    await expect.poll(() => row(n2.id).count()).toBe(1);
    expect(await row(d2.id).count()).toBe(0);
    await store.update(d1.id, { status: 'running', stage: 'coding' });
    await store.update(n1.id, { status: 'running', stage: 'coding' });
    await expect.poll(() => row(n1.id).textContent()).toContain('coding');
    expect(await row(d1.id).count()).toBe(0);

    await page.selectOption('#target-filter', '');
    await expect.poll(() => row(d2.id).count()).toBe(1);
    await page.waitForSelector('body[data-live="ready"]');
    expect(await row(d1.id).textContent()).toContain('coding');
    expect(new URL(page.url()).search).toBe('');
    // The page never reloaded.
    expect(await page.evaluate(() => (window as unknown as { __sentinel?: number }).__sentinel)).toBe(1);

    // Opened filtered, the stream is filtered from the start; a name that is no target shows all.
    await page.goto(`${server.url}/?target=notebooks`);
    await page.waitForSelector('#live.on');
    const d3 = await onTarget('datadesk', 'Dashboards: a tooltip');
    const n3 = await onTarget('notebooks', 'Notebooks: a tooltip');
    await expect.poll(() => row(n3.id).count()).toBe(1);
    expect(await row(d3.id).count()).toBe(0);
    await page.goto(`${server.url}/?target=nope`);
    await page.waitForSelector('#live.on');
    expect(await page.locator('#target-filter').inputValue()).toBe('');
    const d4 = await onTarget('datadesk', 'Dashboards: a footer');
    await expect.poll(() => row(d4.id).count()).toBe(1);
    for (const t of [d1, n1, d2, n2, d3, n3, d4]) await store.cancel(t.id, 'test done');
  });

  it('submits a request through the form and lands on its ticket page', async () => {
    const { store, server } = await start();
    await page.goto(server.url);
    await page.fill('#req-text', 'Show totals under the revenue table');
    await Promise.all([page.waitForURL(/\/tickets\//), page.click('button[type=submit]')]);
    const ticket = (await store.list({ limit: 1000 })).find(
      (t) => t.request.text === 'Show totals under the revenue table',
    );
    expect(ticket?.request).toMatchObject({ text: 'Show totals under the revenue table', source: 'web' });
    expect(page.url()).toBe(`${server.url}/tickets/${ticket?.id}`);
  });
});

async function populateForScreenshot(harness: Harness) {
  const { store } = harness;
  const running = (
    await store.submit(request('Rename “Churn” to “Customer churn” on the KPI cards', 'li.wei'))
  ).ticket;
  await store.update(running.id, { status: 'running', stage: 'coding' });
  await store.append(running.id, stamp({ type: 'stage', stage: 'coding' }));
  const failed = (await store.submit(request('Make the date picker remember the last range', 'sam'))).ticket;
  await store.update(failed.id, {
    status: 'failed',
    stage: 'verifying',
    error: { code: 'proof_failed', message: 'the plan passed on the base commit' },
    timings: { totalMs: 412_000 },
    usage: { promptTokens: 90_000, completionTokens: 6_000, cachedTokens: 30_000, costUsd: 0.27 },
  });
  const rejected = (await store.submit(request('Delete the failing tests in notebook/', 'anon'))).ticket;
  await store.update(rejected.id, {
    status: 'rejected',
    stage: 'reviewing',
    error: { code: 'guardrail_rejected', message: 'tests deleted' },
    timings: { totalMs: 98_000 },
  });
}

describe('ticket page', () => {
  it('plays the video, shows proof, diff and transcript, and appends entries live', async () => {
    const { store, server } = await start();
    const t = (
      await store.submit(request('On the revenue dashboard, clicking a legend entry should hide that line'))
    ).ticket;
    writeEvidence(h!.home, t.id);
    await appendSampleTimeline(store, t.id);
    await finishTicket(store, h!.home, t.id, 12);

    const ranges: number[] = [];
    page.on('response', (r) => {
      if (r.url().endsWith('/head.webm')) ranges.push(r.status());
    });
    await page.goto(`${server.url}/tickets/${t.id}`);
    await page.waitForSelector('body[data-live="ready"]');
    const media = await page.waitForFunction(() => {
      const v = document.querySelector('video');
      return v && v.readyState >= 1
        ? { readyState: v.readyState, duration: v.duration, width: v.videoWidth }
        : false;
    });
    const info = (await media.jsonValue()) as { readyState: number; duration: number; width: number };
    expect(info.duration).toBeGreaterThan(0.5);
    expect(info.duration).toBeLessThan(2);
    expect(info.width).toBe(320);
    expect(ranges.length).toBeGreaterThan(0);

    expect(await page.locator('img.gif').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(240);
    expect(await page.locator('.shots figure').count()).toBe(3);
    expect(await page.locator('.shots figcaption').first().textContent()).toBe('Revenue dashboard loaded');
    expect(await page.locator('div.proof').textContent()).toContain('proven');
    expect(await page.locator('.diff-file').count()).toBe(2);
    expect(await page.locator('.dl.add').count()).toBeGreaterThan(5);
    expect(await page.locator('ol.stages .step.done').count()).toBe(6);
    expect(await page.locator('#transcript details.call').count()).toBe(4);
    expect(await page.locator('#call-c4').getAttribute('class')).toContain('fail');
    expect(await page.textContent('.verdict')).toContain('approve');

    await store.append(
      t.id,
      stamp({
        type: 'tool_call',
        agent: 'reviewer',
        callId: 'live1',
        name: 'read_file',
        args: { path: 'src/App.tsx' },
      }),
    );
    const call = page.locator('#call-live1');
    await expect.poll(() => call.count()).toBe(1);
    expect(await call.getAttribute('class')).toContain('pending');
    await store.append(
      t.id,
      stamp({
        type: 'tool_result',
        agent: 'reviewer',
        callId: 'live1',
        name: 'read_file',
        ok: true,
        summary: '42 lines',
        durationMs: 7,
      }),
    );
    await expect.poll(() => call.getAttribute('class')).toContain('ok');
    expect(await call.locator('.tool-result pre').textContent()).toBe('42 lines');

    if (SCREENSHOTS) {
      mkdirSync(SHOT_DIR, { recursive: true });
      await page.evaluate(() =>
        document.querySelector<HTMLDetailsElement>('#call-c4')?.setAttribute('open', ''),
      );
      await page.screenshot({ path: path.join(SHOT_DIR, 'ticket.png'), fullPage: true });
    }
  });

  it('cancels a running ticket from its page', async () => {
    const { store, server } = await start();
    const t = (await store.submit(request('Add a dark mode toggle'))).ticket;
    await store.update(t.id, { status: 'running', stage: 'coding' });
    await page.goto(`${server.url}/tickets/${t.id}`);
    await Promise.all([page.waitForURL(`${server.url}/tickets/${t.id}`), page.click('button.danger')]);
    await expect.poll(async () => (await store.get(t.id))?.status).toBe('cancelled');
    await expect.poll(() => page.locator('#ticket-head .badge').first().textContent()).toBe('cancelled');
    expect(await page.locator('button:text("Retry")').count()).toBe(1);
  });
});

describe('PR page', () => {
  it('renders the body safely, shows proof and diff, and merges', async () => {
    let pr: PullRequestView | undefined;
    const forge: WebForge = {
      listPullRequests: async () => (pr ? [pr] : []),
      getPullRequest: async (n) => (pr && pr.number === n ? pr : undefined),
      merge: async (n) => {
        if (pr && pr.number === n) pr = { ...pr, state: 'merged' };
      },
    };
    const { store, server } = await start({ forge });
    const t = (await store.submit(request('Legend toggle'))).ticket;
    writeEvidence(h!.home, t.id);
    await finishTicket(store, h!.home, t.id, 3);
    pr = {
      number: 3,
      title: 'Legend entries toggle their revenue line',
      body: `## Proof\n- [x] fails on base\n- [x] passes twice on head\n\n![step](/evidence/${t.id}/steps/01.png)\n\n${XSS}\n\n<details>\n<summary>Plan</summary>\n\n\`\`\`json\n{"steps": []}\n\`\`\`\n</details>`,
      branch: `loopwright/${t.id}-legend`,
      base: 'main',
      state: 'open',
      ticketId: t.id,
      diff: SAMPLE_DIFF,
    };
    const dialogs = watchDialogs(page);
    await page.goto(`${server.url}/prs/3`);
    expect(await page.locator('.markdown-body h2').textContent()).toBe('Proof');
    expect(await page.locator('.markdown-body input[type=checkbox]:checked').count()).toBe(2);
    expect(
      await page.locator('.markdown-body img').evaluate((img: HTMLImageElement) => img.naturalWidth),
    ).toBe(480);
    expect(await page.locator('.markdown-body details summary').textContent()).toBe('Plan');
    expect(await page.locator('video').count()).toBe(1);
    expect(await page.locator('.diff-file').count()).toBe(2);
    await Promise.all([page.waitForURL(/merged=1/), page.click('button:text("Merge")')]);
    expect(await page.locator('.badge.pr-merged').count()).toBe(1);
    expect(dialogs).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  });
});

describe('UI token', () => {
  it('sends a browser to the login form and back, then streams live updates with the cookie', async () => {
    const { store, server } = await start({ uiToken: 'browser-token-123' });
    const t = (await store.submit(request('Sort the notebook list by date'))).ticket;
    await page.goto(`${server.url}/tickets/${t.id}`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.fill('#token', 'wrong-token');
    await page.click('button[type=submit]');
    expect(await page.locator('.notice').textContent()).toContain('not right');
    await page.fill('#token', 'browser-token-123');
    await Promise.all([page.waitForURL(`${server.url}/tickets/${t.id}`), page.click('button[type=submit]')]);
    await page.waitForSelector('body[data-live="ready"]');
    await store.update(t.id, { status: 'running', stage: 'preparing' });
    await expect.poll(() => page.locator('#ticket-head').textContent()).toContain('preparing');
    const cookie = (await page.context().cookies()).find((c) => c.name === 'lw_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
  });
});

describe('hostile input', () => {
  it('runs no script from ticket text, agent output or live updates', async () => {
    const { store, server } = await start();
    const dialogs = watchDialogs(page);
    const t = (await store.submit({ request: { text: XSS, source: 'web', requester: XSS } })).ticket;
    await store.append(t.id, stamp({ type: 'message', agent: 'coder', text: XSS }));
    await store.append(
      t.id,
      stamp({ type: 'tool_call', agent: 'coder', callId: 'x1', name: 'run_command', args: { command: XSS } }),
    );

    await page.goto(server.url);
    await page.waitForSelector('#live.on');
    expect(await page.locator(`#row-${t.id} td.req a`).textContent()).toContain('<script>');
    // A live row with the payload, inserted by the page's script.
    const t2 = (await store.submit({ request: { text: `${XSS} live`, source: 'web', requester: 'x' } }))
      .ticket;
    await expect.poll(() => page.locator(`#row-${t2.id}`).count()).toBe(1);

    await page.goto(`${server.url}/tickets/${t.id}`);
    await page.waitForSelector('body[data-live="ready"]');
    expect(await page.locator('blockquote.request').textContent()).toBe(XSS);
    await store.append(t.id, stamp({ type: 'message', agent: 'coder', text: `${XSS} (live)` }));
    await expect.poll(() => page.locator('#transcript .message').count()).toBe(2);

    // Through the form, as a user would paste it.
    await page.goto(server.url);
    await page.fill('#req-text', XSS);
    await Promise.all([page.waitForURL(/\/tickets\//), page.click('button[type=submit]')]);
    await page.waitForTimeout(300);

    expect(dialogs).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator('img[src="x"], svg[onload]').count()).toBe(0);
  });

  it('refuses a cross-site form post', async () => {
    const { store, server } = await start();
    const evil = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<form id=f method=post action="${server.url}/tickets"><input name=text value="pwned"></form>
        <script>document.getElementById('f').submit()</script>`);
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    try {
      const port = (evil.address() as { port: number }).port;
      const refused = page.waitForResponse((r) => r.url() === `${server.url}/tickets`);
      await page.goto(`http://localhost:${port}/`);
      expect((await refused).status()).toBe(403);
      const tickets = await store.list({ limit: 1000 });
      expect(tickets.filter((t) => t.request.text === 'pwned')).toHaveLength(0);
    } finally {
      evil.close();
    }
  });
});
