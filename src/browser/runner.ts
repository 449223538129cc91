/**
 * Runs a verification plan against one app in a fresh context: optional video and trace, a
 * screenshot after every step, a per-step timeout. The first failing step stops the run; the rest
 * are 'skipped'. Expectations poll like Playwright's web-first assertions (no @playwright/test).
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { errors, type BrowserContext, type Locator, type Page } from 'playwright';
import { CodedError, ErrorCode } from '../core/errors.ts';
import type { BrowserLauncher } from '../sandbox/types.ts';
import { slug } from './codegen.ts';
import { trackInFlight, unlessAbsent, type FailFastOptions } from './fail-fast.ts';
import { launchBrowser } from './launch.ts';
import { isAllowedUrl, resolveAppUrl } from './origin.ts';
import type { Step, VerificationPlan } from './plan.ts';
import { describeTarget, locatorFor, urlMatcher } from './targets.ts';
import { DEFAULT_SETTLE_MS, describeSettle, trackRequests } from './settle.ts';
import { settledScreenshot } from './shot.ts';
import type { PlanRun, StepFailureKind, StepResult } from './types.ts';

/**
 * A goto's bound. A fresh room's dev server compiles a route on its first load; on a worker busy
 * with other tickets (2 cores at load 8 and more) that took over 15 s, and the proof failed on head
 * for a change that was right. A page that never loads still fails, only later.
 */
export const GOTO_TIMEOUT_MS = 45_000;

export interface RunOptions {
  appUrl: string;
  /** 'base' | 'head-1' | 'head-2' */
  label: string;
  launcher?: BrowserLauncher;
  /** Step screenshots go to `<stepsDir>/<prefix>-NN-<action>.png`. */
  stepsDir: string;
  /** File-name prefix of step screenshots; default the label. */
  prefix?: string;
  /** Record a video to this .webm file. */
  videoPath?: string;
  /** Record a Playwright trace to this .zip file. */
  tracePath?: string;
  /** Per-step timeout of actions and expectations (default 5 s). */
  stepTimeoutMs?: number;
  /** Timeout of a goto (default GOTO_TIMEOUT_MS). */
  gotoTimeoutMs?: number;
  /** Bound of the page-settle wait before each screenshot (`.loopwright.yml` `settleMs`). */
  settleMs?: number;
  /** Pause before each step, so a recorded video can be followed by eye. */
  stepDelayMs?: number;
  allowHosts?: string[];
  viewport?: { width: number; height: number };
  signal?: AbortSignal;
  /** An action whose target is absent from a quiet page fails then, not at the step timeout (fail-fast.ts). */
  failFast?: FailFastOptions;
}

class StepFailure extends Error {
  readonly kind: StepFailureKind;
  constructor(kind: StepFailureKind, message: string) {
    super(message);
    this.kind = kind;
  }
}

const VIEWPORT = { width: 1280, height: 720 };

export async function runPlan(plan: VerificationPlan, opts: RunOptions): Promise<PlanRun> {
  const started = Date.now();
  const browser = await launchBrowser(opts.launcher);
  const viewport = opts.viewport ?? VIEWPORT;
  const videoDir = opts.videoPath ? `${opts.videoPath}.parts` : undefined;
  const context = await browser.newContext({
    viewport,
    ...(videoDir ? { recordVideo: { dir: videoDir, size: viewport } } : {}),
  });
  mkdirSync(opts.stepsDir, { recursive: true });
  try {
    await guard(context, opts);
    trackRequests(context);
    if (opts.tracePath)
      await context.tracing.start({ screenshots: true, snapshots: true, title: plan.title });
    const page = await context.newPage();
    // The video starts with the page: step screenshots are placed on its timeline from here.
    const pageStart = Date.now();
    if (opts.failFast) trackInFlight(page);
    const steps = await runSteps(page, plan, opts, pageStart);
    if (opts.stepDelayMs) await page.waitForTimeout(opts.stepDelayMs * 2); // the end state stays on screen
    if (opts.tracePath) await context.tracing.stop({ path: opts.tracePath });
    const video = page.video();
    await context.close();
    let videoPath: string | undefined;
    if (video && opts.videoPath) {
      await video.saveAs(opts.videoPath);
      await video.delete();
      videoPath = opts.videoPath;
    }
    const failed = steps.some((s) => s.status === 'failed');
    return {
      label: opts.label,
      appUrl: opts.appUrl,
      verdict: failed ? 'failed' : 'passed',
      steps,
      durationMs: Date.now() - started,
      ...(videoPath ? { video: videoPath } : {}),
      ...(opts.tracePath ? { trace: opts.tracePath } : {}),
    };
  } finally {
    await context.close().catch(() => undefined);
    if (videoDir) rmSync(videoDir, { recursive: true, force: true });
  }
}

/** Requests to other origins are aborted, as in the agent's session. */
async function guard(context: BrowserContext, opts: RunOptions): Promise<void> {
  await context.route(
    (url) => !isAllowedUrl(url, opts.appUrl, opts.allowHosts),
    (route) => route.abort('blockedbyclient'),
  );
}

async function runSteps(
  page: Page,
  plan: VerificationPlan,
  opts: RunOptions,
  pageStart: number,
): Promise<StepResult[]> {
  const results: StepResult[] = [];
  const prefix = opts.prefix ?? opts.label;
  let failed = false;
  for (const [i, step] of plan.steps.entries()) {
    if (opts.signal?.aborted) throw new CodedError(ErrorCode.Cancelled, 'plan run cancelled');
    const base = {
      index: i + 1,
      action: step.action,
      ...(step.action === 'screenshot' && step.caption ? { caption: step.caption } : {}),
    };
    if (failed) {
      results.push({ ...base, status: 'skipped', durationMs: 0 });
      continue;
    }
    if (opts.stepDelayMs && i > 0) await page.waitForTimeout(opts.stepDelayMs);
    const t0 = Date.now();
    const name = `${prefix}-${String(i + 1).padStart(2, '0')}-${step.action === 'screenshot' && step.caption ? slug(step.caption) : step.action.replace('_', '-')}.png`;
    const shot = path.join(opts.stepsDir, name);
    try {
      await runStep(page, step, opts);
      // An expectation just polled the page into the state it checks: no change to wait for.
      const seen = await stepShot(page, shot, opts, step.action.startsWith('expect_'));
      const shotAtMs = Date.now() - pageStart;
      results.push({ ...base, status: 'passed', durationMs: Date.now() - t0, ...seen, shotAtMs });
    } catch (error) {
      if (error instanceof CodedError) throw error;
      failed = true;
      const f = error instanceof StepFailure ? error : new StepFailure('error', firstLine(error));
      const seen = await stepShot(page, shot, opts).catch(() => ({}));
      results.push({
        ...base,
        status: 'failed',
        durationMs: Date.now() - t0,
        error: f.message,
        failure: f.kind,
        ...seen,
      });
    }
  }
  return results;
}

/** The settled screenshot after a step, with what the settle found when it was not clean. */
async function stepShot(
  page: Page,
  file: string,
  opts: RunOptions,
  settled = false,
): Promise<Pick<StepResult, 'screenshot' | 'blank' | 'unsettled'>> {
  const bound = opts.settleMs ?? DEFAULT_SETTLE_MS;
  const shot = await settledScreenshot(page, file, { timeoutMs: bound, settled });
  const unsettled = shot.settle && !shot.settle.settled ? describeSettle(shot.settle, bound) : undefined;
  return { screenshot: file, ...(shot.blank ? { blank: true } : {}), ...(unsettled ? { unsettled } : {}) };
}

async function runStep(page: Page, step: Step, opts: RunOptions): Promise<void> {
  const timeout = opts.stepTimeoutMs ?? 5_000;
  const fast = (l: Locator, action: Promise<unknown>) =>
    opts.failFast ? unlessAbsent(page, l, action, opts.failFast) : action;
  switch (step.action) {
    case 'goto':
      return goto(page, step.url, opts);
    case 'click':
      return act(locatorFor(page, step.target), describeTarget(step.target), 'click', (l) =>
        fast(l, l.click({ timeout })),
      );
    case 'fill':
      return act(locatorFor(page, step.target), describeTarget(step.target), 'fill', (l) =>
        fast(l, l.fill(step.value, { timeout })),
      );
    case 'press':
      if (!step.target) return page.keyboard.press(step.key);
      return act(locatorFor(page, step.target), describeTarget(step.target), `press ${step.key} on`, (l) =>
        fast(l, l.press(step.key, { timeout })),
      );
    case 'select':
      return act(locatorFor(page, step.target), describeTarget(step.target), 'select in', async (l) => {
        await fast(l, l.selectOption(step.value, { timeout }));
      });
    case 'expect_visible':
      return expectState(locatorFor(page, step.target), describeTarget(step.target), 'visible', timeout);
    case 'expect_hidden':
      return expectState(locatorFor(page, step.target), describeTarget(step.target), 'hidden', timeout);
    case 'expect_text':
      return expectText(locatorFor(page, step.target), describeTarget(step.target), step.text, timeout);
    case 'expect_url':
      return expectUrl(page, step.pattern, timeout);
    case 'screenshot':
      return; // the screenshot after every step is this step's screenshot
  }
}

async function goto(page: Page, url: string, opts: RunOptions): Promise<void> {
  const target = resolveAppUrl(url, opts.appUrl, opts.allowHosts);
  if (!target.ok) throw new StepFailure('error', target.reason);
  let status: number | undefined;
  try {
    const res = await page.goto(target.url, {
      timeout: opts.gotoTimeoutMs ?? GOTO_TIMEOUT_MS,
      waitUntil: 'load',
    });
    status = res?.status();
  } catch (error) {
    if (error instanceof errors.TimeoutError)
      throw new StepFailure(
        'error',
        `${url} did not load within ${(opts.gotoTimeoutMs ?? GOTO_TIMEOUT_MS) / 1000} s`,
      );
    throw new StepFailure('unreachable', `the app did not answer at ${target.url}: ${firstLine(error)}`);
  }
  if (status !== undefined && status >= 400) {
    throw new StepFailure(
      'http_status',
      `goto ${url} answered HTTP ${status}: the page does not exist (or errors) on this app`,
    );
  }
}

/** Runs an action; on failure, says whether the element is missing, ambiguous or not actionable. */
async function act(
  locator: Locator,
  what: string,
  verb: string,
  run: (l: Locator) => Promise<unknown>,
): Promise<void> {
  try {
    await run(locator);
  } catch (error) {
    const count = await locator.count().catch(() => -1);
    if (count === 0) throw new StepFailure('not_found', `no element with ${what}`);
    if (count > 1) {
      throw new StepFailure(
        'ambiguous',
        `${count} elements match ${what}; make the target specific (exact: true, a longer name, or a testId)`,
      );
    }
    throw new StepFailure(
      'not_actionable',
      `could not ${verb} the element with ${what}: ${firstLine(error)}`,
    );
  }
}

async function expectState(
  locator: Locator,
  what: string,
  state: 'visible' | 'hidden',
  timeout: number,
): Promise<void> {
  try {
    await locator.waitFor({ state, timeout });
  } catch {
    const count = await locator.count().catch(() => -1);
    if (count > 1)
      throw new StepFailure('ambiguous', `${count} elements match ${what}; make the target specific`);
    if (state === 'visible') {
      throw new StepFailure(
        'expectation',
        count === 0
          ? `expected an element with ${what} to be visible, but there is none`
          : `the element with ${what} is not visible`,
      );
    }
    throw new StepFailure(
      'expectation',
      `expected the element with ${what} to be hidden, but it is still visible`,
    );
  }
}

/** @playwright/test's whitespace normalization of text it matches (zero-width and soft hyphens go). */
const norm = (s: string) =>
  s
    .replace(/[\u200b\u00ad]/g, '')
    .trim()
    .replace(/\s+/g, ' ');

/**
 * An element's text as `toContainText` reads it (Playwright's `elementText`), not `textContent`:
 * the text of `<script>`, `<style>` and `<noscript>` does not count, shadow roots do, and a submit
 * or button `<input>` reads as its value. Runs in the page, so it holds no outside references.
 */
function assertionText(root: Node): string {
  const skip = (e: Element) =>
    e.nodeName === 'SCRIPT' ||
    e.nodeName === 'NOSCRIPT' ||
    e.nodeName === 'STYLE' ||
    Boolean(e.ownerDocument.head?.contains(e));
  const text = (node: Node): string => {
    if (node instanceof Element && skip(node)) return '';
    if (node instanceof HTMLInputElement && ['submit', 'button', 'reset'].includes(node.type))
      return node.value;
    let out = '';
    for (let child = node.firstChild; child; child = child.nextSibling) {
      if (child.nodeType === Node.TEXT_NODE) out += child.nodeValue ?? '';
      else if (child.nodeType === Node.ELEMENT_NODE) out += text(child);
    }
    if (node instanceof Element && node.shadowRoot) out += text(node.shadowRoot);
    return out;
  };
  return text(root);
}

/**
 * Polls like `toContainText`: one element whose text, read as @playwright/test reads it, contains
 * `text` (whitespace normalized on both sides), so the proof and the generated test agree.
 */
async function expectText(locator: Locator, what: string, text: string, timeout: number): Promise<void> {
  const deadline = Date.now() + timeout;
  let last = '';
  let count = 0;
  for (;;) {
    count = await locator.count().catch(() => 0);
    if (count === 1) {
      last = norm(await locator.evaluate(assertionText, undefined, { timeout: 1_000 }).catch(() => ''));
      if (last.includes(norm(text))) return;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (count === 0)
    throw new StepFailure(
      'expectation',
      `expected text '${text}' in an element with ${what}, but there is none`,
    );
  if (count > 1)
    throw new StepFailure('ambiguous', `${count} elements match ${what}; make the target specific`);
  throw new StepFailure(
    'expectation',
    `expected the element with ${what} to contain '${text}', but its text is '${last.slice(0, 200)}'`,
  );
}

async function expectUrl(page: Page, pattern: string, timeout: number): Promise<void> {
  const re = urlMatcher(pattern);
  if (!re) throw new StepFailure('error', `pattern ${pattern} is not a valid regular expression`);
  const deadline = Date.now() + timeout;
  while (!re.test(page.url())) {
    if (Date.now() >= deadline)
      throw new StepFailure('expectation', `expected the URL to match ${pattern}, but it is ${page.url()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? text).replace(/\x1b\[[0-9;]*m/g, '');
}
