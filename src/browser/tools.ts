/**
 * The agent's browser tools (DESIGN.md §4; names follow Playwright's MCP tools so trajectories
 * replay across versions). Refs come from the latest aria snapshot; every tool that can change the
 * page answers with a fresh snapshot (`hasSnapshot`), and the loop keeps only the newest one.
 */
import { z } from 'zod';
import { errors } from 'playwright';
import { CodedError, ErrorCode } from '../core/errors.ts';
import {
  defineTool,
  MAX_SECTION_CHARS,
  ResponseBuilder,
  type AnyTool,
  type ToolResponse,
} from '../core/tool.ts';
import type { BrowserSession, PageProblem } from './session.ts';

/**
 * What the browser tools need from the loop: the ticket's browser session, and optionally a note
 * for when the app is older than the agent's last edit (src/sandbox/freshness.ts).
 */
export type BrowserToolContext = { browser: BrowserSession; freshness?: () => string | undefined };

/** Put in place of a snapshot that a newer one superseded (the loop does the replacing). */
export const SNAPSHOT_PLACEHOLDER =
  '[an older page snapshot was removed here because a newer one follows; refs from it are no longer valid]';

const element = z
  .string()
  .describe('Human-readable description of the element, e.g. "Refunds legend entry" (for the log)');
const ref = z.string().describe('The element\'s ref from the latest snapshot, e.g. "e12"');

/** Builds the response shared by tools that may change the page: page, events, snapshot. */
async function withPage(session: BrowserSession, b: ResponseBuilder): Promise<ToolResponse> {
  const page = session.page;
  const unsettled = await session.settle();
  b.setPage(page.url(), await page.title().catch(() => undefined));
  if (unsettled) b.addPageLine(`- ${unsettled}`);
  for (const line of session.drainEvents()) b.addPageLine(`- ${line}`);
  const pending = session.pendingProblems;
  if (pending > 0)
    b.addPageLine(`- ${pending} new console error(s) or failed request(s): see browser_console_messages`);
  const yaml = await session.snapshot();
  if (yaml.length > MAX_SECTION_CHARS - 200)
    b.file(session.saveSnapshot(yaml), 'full snapshot (too long to show whole)');
  b.setSnapshot(yaml);
  return b.build();
}

/**
 * Turns a failed Playwright call into a result the model can act on. A closed page or browser is a
 * broken environment and throws.
 */
async function actionFailed(session: BrowserSession, what: string, error: unknown): Promise<ToolResponse> {
  if (session.page.isClosed()) {
    throw new CodedError(ErrorCode.BrowserFailed, `the browser page closed while trying to ${what}`, {
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  const lines = message.split('\n').filter((l) => l.trim());
  const head = lines[0] ?? 'failed';
  const log = lines
    .slice(1)
    .slice(-6)
    .map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''));
  const b = new ResponseBuilder().addError(
    `Could not ${what}: ${head}` +
      (log.length ? `\n${log.join('\n')}` : '') +
      (error instanceof errors.TimeoutError
        ? '\nThe element may be hidden, disabled or covered. Check the snapshot below and try another element.'
        : ''),
  );
  return withPage(session, b);
}

const navigate = defineTool({
  name: 'browser_navigate',
  description:
    'Open a page of the app. Give a path such as "/dashboards/revenue" (resolved against the app) or a full URL on the app\'s origin; other sites are refused. Returns the new page\'s snapshot.',
  kind: 'browser',
  input: z.object({ url: z.string().describe('Path or URL of the app page') }),
  async run({ browser, freshness }, { url }) {
    const target = browser.resolveUrl(url);
    if (!target.ok) return new ResponseBuilder().addError(target.reason).build();
    const b = new ResponseBuilder();
    try {
      const res = await browser.page.goto(target.url, { waitUntil: 'domcontentloaded', timeout: 15_000 });
      const status = res?.status();
      b.addResult(`Navigated to ${target.url}` + (status !== undefined ? ` (HTTP ${status})` : ''));
      if (status !== undefined && status >= 400)
        b.addError(`The app answered HTTP ${status} for ${target.url}.`);
      const stale = freshness?.();
      if (stale) b.addResult(stale);
    } catch (error) {
      if (browser.page.isClosed()) throw error;
      const first = (error instanceof Error ? error.message : String(error)).split('\n')[0];
      b.addError(
        `Could not open ${target.url}: ${first}. If the app is down, check it with read_app_log and restart it with restart_app.`,
      );
    }
    return withPage(browser, b);
  },
});

const snapshot = defineTool({
  name: 'browser_snapshot',
  description:
    'Capture the accessibility snapshot of the current page: roles, names and [ref=eN] markers. Use refs with browser_click, browser_type and browser_select_option. Prefer this over screenshots.',
  kind: 'read',
  input: z.object({}),
  async run({ browser }) {
    return withPage(browser, new ResponseBuilder());
  },
});

const click = defineTool({
  name: 'browser_click',
  description: 'Click an element of the page, by its ref from the latest snapshot. Returns the new snapshot.',
  kind: 'browser',
  input: z.object({ element, ref }),
  async run({ browser }, input) {
    const found = await browser.locatorForRef(input.ref);
    if (!found.ok) return new ResponseBuilder().addError(found.reason).build();
    try {
      await found.locator.click({ timeout: browser.actionTimeoutMs });
    } catch (error) {
      return actionFailed(browser, `click ${input.element} (${input.ref})`, error);
    }
    return withPage(browser, new ResponseBuilder().addResult(`Clicked ${input.element} (${input.ref})`));
  },
});

const type = defineTool({
  name: 'browser_type',
  description:
    'Type text into an editable element (replacing its content), by ref from the latest snapshot. With submit: true, press Enter afterwards. Returns the new snapshot.',
  kind: 'browser',
  input: z.object({
    element,
    ref,
    text: z.string().describe('Text to type'),
    submit: z.boolean().optional().describe('Press Enter after typing'),
  }),
  async run({ browser }, input) {
    const found = await browser.locatorForRef(input.ref);
    if (!found.ok) return new ResponseBuilder().addError(found.reason).build();
    try {
      await found.locator.fill(input.text, { timeout: browser.actionTimeoutMs });
      if (input.submit) await found.locator.press('Enter', { timeout: browser.actionTimeoutMs });
    } catch (error) {
      return actionFailed(browser, `type into ${input.element} (${input.ref})`, error);
    }
    const done = `Typed ${JSON.stringify(input.text)} into ${input.element} (${input.ref})${input.submit ? ' and pressed Enter' : ''}`;
    return withPage(browser, new ResponseBuilder().addResult(done));
  },
});

const selectOption = defineTool({
  name: 'browser_select_option',
  description:
    'Choose option(s) in a <select> (combobox or listbox), by ref from the latest snapshot; values are option values or labels. Returns the new snapshot.',
  kind: 'browser',
  input: z.object({
    element,
    ref,
    values: z.array(z.string()).min(1).describe('Values or labels to select'),
  }),
  async run({ browser }, input) {
    const found = await browser.locatorForRef(input.ref);
    if (!found.ok) return new ResponseBuilder().addError(found.reason).build();
    let chosen: string[];
    try {
      chosen = await found.locator.selectOption(input.values, { timeout: browser.actionTimeoutMs });
    } catch (error) {
      return actionFailed(
        browser,
        `select ${input.values.join(', ')} in ${input.element} (${input.ref})`,
        error,
      );
    }
    return withPage(
      browser,
      new ResponseBuilder().addResult(`Selected ${chosen.join(', ')} in ${input.element} (${input.ref})`),
    );
  },
});

const pressKey = defineTool({
  name: 'browser_press_key',
  description:
    'Press a key on the focused element, e.g. "Enter", "Escape", "ArrowDown", "Control+a". Returns the new snapshot.',
  kind: 'browser',
  input: z.object({ key: z.string().min(1).describe('Key name as in Playwright keyboard.press') }),
  async run({ browser }, { key }) {
    try {
      await browser.page.keyboard.press(key);
    } catch (error) {
      return actionFailed(browser, `press ${key}`, error);
    }
    return withPage(browser, new ResponseBuilder().addResult(`Pressed ${key}`));
  },
});

const takeScreenshot = defineTool({
  name: 'browser_take_screenshot',
  description:
    'Save a screenshot of the current viewport to a file (for the record). You cannot act on a screenshot: use browser_snapshot to find elements.',
  kind: 'browser',
  input: z.object({ caption: z.string().optional().describe('What the screenshot shows') }),
  async run({ browser }, { caption }) {
    const { file, blank } = await browser.screenshot(caption);
    const b = new ResponseBuilder()
      .addResult(`Screenshot saved${caption ? `: ${caption}` : ''}`)
      .file(file, 'screenshot');
    if (blank)
      b.addError('The screenshot is a single colour: the page shows nothing. Check browser_snapshot.');
    if (browser.vision) b.image({ path: file, mimeType: 'image/png', caption });
    b.setPage(browser.page.url(), await browser.page.title().catch(() => undefined));
    return b.build();
  },
});

const consoleMessages = defineTool({
  name: 'browser_console_messages',
  description:
    "The app's console errors and warnings, uncaught page errors, failed requests and HTTP responses >= 400 since the last call.",
  kind: 'read',
  input: z.object({}),
  async run({ browser }) {
    const problems = browser.drainProblems();
    const b = new ResponseBuilder();
    b.addResult(
      problems.length
        ? problems.map(formatProblem).join('\n')
        : 'No console errors, warnings or failed requests since the last call.',
    );
    return b.build();
  },
});

function formatProblem(p: PageProblem): string {
  return `- [${p.kind}] ${p.text}${p.url ? ` (${p.url})` : ''}`;
}

const waitFor = defineTool({
  name: 'browser_wait_for',
  description:
    'Wait until a text appears (text), a text disappears (textGone), or a number of seconds passes (time, at most 30). Returns the new snapshot.',
  kind: 'browser',
  input: z
    .object({
      text: z.string().min(1).optional(),
      textGone: z.string().min(1).optional(),
      time: z.number().positive().max(30).optional().describe('Seconds'),
    })
    .refine((v) => v.text !== undefined || v.textGone !== undefined || v.time !== undefined, {
      message: 'give at least one of text, textGone or time',
    }),
  async run({ browser }, input) {
    const page = browser.page;
    const b = new ResponseBuilder();
    const timeout = 10_000;
    try {
      if (input.time !== undefined) await page.waitForTimeout(input.time * 1000);
      if (input.textGone !== undefined) {
        await page.getByText(input.textGone).first().waitFor({ state: 'hidden', timeout });
        b.addResult(`"${input.textGone}" is gone`);
      }
      if (input.text !== undefined) {
        await page.getByText(input.text).first().waitFor({ state: 'visible', timeout });
        b.addResult(`"${input.text}" is visible`);
      }
      if (input.time !== undefined) b.addResult(`Waited ${input.time} s`);
    } catch (error) {
      if (!(error instanceof errors.TimeoutError)) return actionFailed(browser, 'wait', error);
      b.addError(
        input.text !== undefined
          ? `"${input.text}" did not appear within ${timeout / 1000} s; check the snapshot below.`
          : `"${input.textGone}" was still visible after ${timeout / 1000} s; check the snapshot below.`,
      );
    }
    return withPage(browser, b);
  },
});

/** All browser tools, in the order they are offered to the model. */
export const browserTools: AnyTool<BrowserToolContext>[] = [
  navigate,
  snapshot,
  click,
  type,
  selectOption,
  pressKey,
  takeScreenshot,
  consoleMessages,
  waitFor,
];
