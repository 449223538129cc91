import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBrowsers } from '../../src/browser/launch.ts';
import { BrowserSession } from '../../src/browser/session.ts';
import { browserTools, type BrowserToolContext } from '../../src/browser/tools.ts';
import type { ToolResponse } from '../../src/core/tool.ts';
import { page, serve, type FixtureServer } from './fixtures.ts';

let server: FixtureServer;
let dir: string;
let ctx: BrowserToolContext;

async function call(name: string, input: unknown): Promise<ToolResponse> {
  const tool = browserTools.find((t) => t.name === name);
  if (!tool) throw new Error(`no tool ${name}`);
  return tool.run(ctx, tool.input.parse(input));
}

/** The ref of the first snapshot line that contains `needle`. */
function refOf(text: string, needle: string): string {
  const line = text.split('\n').find((l) => l.includes(needle) && l.includes('[ref='));
  const ref = line?.match(/\[ref=([^\]]+)\]/)?.[1];
  if (!ref) throw new Error(`no ref for ${needle} in\n${text}`);
  return ref;
}

beforeAll(async () => {
  server = await serve({ '/': page('tools.html'), '/legend': page('legend-new.html') });
  dir = mkdtempSync(path.join(os.tmpdir(), 'lw-tools-'));
  ctx = { browser: await BrowserSession.open({ appUrl: server.url, outputDir: dir }) };
});

afterAll(async () => {
  await ctx?.browser.close();
  await closeBrowsers();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('browser tools', () => {
  it('defines the DESIGN.md tools once, with kinds', () => {
    expect(browserTools.map((t) => t.name)).toEqual([
      'browser_navigate',
      'browser_snapshot',
      'browser_click',
      'browser_type',
      'browser_select_option',
      'browser_press_key',
      'browser_take_screenshot',
      'browser_console_messages',
      'browser_wait_for',
    ]);
    const kinds = Object.fromEntries(browserTools.map((t) => [t.name, t.kind]));
    expect(kinds.browser_snapshot).toBe('read');
    expect(kinds.browser_console_messages).toBe('read');
    expect(kinds.browser_click).toBe('browser');
  });

  it('navigates by path and answers with a snapshot holding refs', async () => {
    const res = await call('browser_navigate', { url: '/' });
    expect(res.ok).toBe(true);
    expect(res.hasSnapshot).toBe(true);
    expect(res.text).toContain(`- URL: ${server.url}/`);
    expect(res.text).toMatch(/heading "Orders" \[level=1\] \[ref=e\d+\]/);
    expect(res.text).toMatch(/button "Add order" \[ref=e\d+\]/);
  });

  it('clicks via ref and shows the changed page', async () => {
    const snap = await call('browser_snapshot', {});
    expect(snap.hasSnapshot).toBe(true);
    const res = await call('browser_click', {
      element: 'Add order button',
      ref: refOf(snap.text, 'button "Add order"'),
    });
    expect(res.ok).toBe(true);
    expect(res.text).toMatch(/listitem \[ref=e\d+\]: Order 1/);
  });

  it('answers an unknown or stale ref with how to recover', async () => {
    const unknown = await call('browser_click', { element: 'nothing', ref: 'e999' });
    expect(unknown.ok).toBe(false);
    expect(unknown.text).toContain('take a new snapshot');

    const snap = await call('browser_snapshot', {});
    const replaceRef = refOf(snap.text, 'button "Replace me"');
    const first = await call('browser_click', { element: 'Replace me', ref: replaceRef });
    expect(first.text).toContain('button "Replaced"');
    // The old button is gone from the DOM: its ref is stale even though it was handed out.
    const stale = await call('browser_click', { element: 'Replace me again', ref: replaceRef });
    expect(stale.ok).toBe(false);
    expect(stale.text).toMatch(/take a new snapshot/);

    const bad = await call('browser_click', { element: 'x', ref: 'button.primary' });
    expect(bad.ok).toBe(false);
    expect(bad.text).toContain('is not a ref');
  });

  it('types with submit and selects an option', async () => {
    const snap = await call('browser_snapshot', {});
    const typed = await call('browser_type', {
      element: 'Search box',
      ref: refOf(snap.text, 'textbox "Search"'),
      text: 'north',
      submit: true,
    });
    expect(typed.ok).toBe(true);
    expect(typed.text).toContain('Searched: north');

    const selected = await call('browser_select_option', {
      element: 'Range',
      ref: refOf(typed.text, 'combobox "Range"'),
      values: ['30 days'],
    });
    expect(selected.ok).toBe(true);
    expect(selected.text).toContain('Range is 30d');
  });

  it('presses keys on the focused element', async () => {
    const snap = await call('browser_snapshot', {});
    await call('browser_type', {
      element: 'Search box',
      ref: refOf(snap.text, 'textbox "Search"'),
      text: 'south',
    });
    const res = await call('browser_press_key', { key: 'Enter' });
    expect(res.ok).toBe(true);
    expect(res.text).toContain('Searched: south');
  });

  it('reports console errors and failed requests since the last call', async () => {
    await call('browser_console_messages', {}); // drain
    const snap = await call('browser_snapshot', {});
    const res = await call('browser_click', {
      element: 'Break things',
      ref: refOf(snap.text, 'button "Break things"'),
    });
    expect(res.text).toMatch(/new console error/);
    const messages = await call('browser_console_messages', {});
    expect(messages.text).toContain('[console-error] chart failed to render');
    expect(messages.text).toContain('[console-warning] deprecated option');
    expect(messages.text).toMatch(/\[http-error\] GET 404 \(http:\/\/127\.0\.0\.1:\d+\/missing-data\.json\)/);
    const again = await call('browser_console_messages', {});
    expect(again.text).toContain('No console errors');
  });

  it('accepts dialogs and reports them', async () => {
    const snap = await call('browser_snapshot', {});
    const res = await call('browser_click', {
      element: 'Delete all',
      ref: refOf(snap.text, 'button "Delete all"'),
    });
    expect(res.text).toContain('confirm dialog "Delete all?" was accepted');
    expect(res.text).toContain('Deleted');
  });

  it('waits for text to appear and to go', async () => {
    const snap = await call('browser_snapshot', {});
    await call('browser_click', { element: 'Build report', ref: refOf(snap.text, 'button "Build report"') });
    const res = await call('browser_wait_for', { text: 'Report ready', textGone: 'Working…' });
    expect(res.ok).toBe(true);
    expect(res.text).toContain('"Report ready" is visible');
    const missing = await call('browser_wait_for', { text: 'Never shown', time: 0.1 });
    expect(missing.ok).toBe(false);
    expect(missing.text).toContain('did not appear');
  }, 30_000);

  it('refuses navigation outside the app, by the tool and by the route guard', async () => {
    const res = await call('browser_navigate', { url: 'https://example.com/' });
    expect(res.ok).toBe(false);
    expect(res.text).toContain('refused');
    const file = await call('browser_navigate', { url: 'file:///etc/passwd' });
    expect(file.ok).toBe(false);

    await call('browser_navigate', { url: '/' });
    await call('browser_console_messages', {});
    const snap = await call('browser_snapshot', {});
    await call('browser_click', { element: 'Elsewhere link', ref: refOf(snap.text, 'link "Elsewhere"') });
    expect(ctx.browser.page.url()).not.toContain('example.com');
    const messages = await call('browser_console_messages', {});
    expect(messages.text).toContain('blocked: outside the app');
  });

  it('saves screenshots as files and sends images only with vision', async () => {
    const res = await call('browser_take_screenshot', { caption: 'Orders page' });
    expect(res.ok).toBe(true);
    expect(res.images).toBeUndefined();
    const file = res.text.match(/- screenshot: (\S+\.png)/)?.[1];
    expect(file && existsSync(file)).toBe(true);

    const vision = await BrowserSession.open({ appUrl: server.url, outputDir: dir, vision: true });
    try {
      const tool = browserTools.find((t) => t.name === 'browser_take_screenshot')!;
      const withImage = await tool.run({ browser: vision }, { caption: 'blank' });
      expect(withImage.images?.[0]?.mimeType).toBe('image/png');
    } finally {
      await vision.close();
    }
  });

  it('reports HTTP errors of navigation', async () => {
    const res = await call('browser_navigate', { url: '/no-such-page' });
    expect(res.ok).toBe(false);
    expect(res.text).toContain('HTTP 404');
    expect(res.hasSnapshot).toBe(true);
  });
});
