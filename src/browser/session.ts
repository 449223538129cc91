/**
 * The agent's browser for one ticket: a fresh context on the shared Chromium, pointed at the
 * sandbox's app. It keeps what the tools report between calls: console errors, failed requests,
 * dialogs that were handled, and the refs of the latest aria snapshot.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, ConsoleMessage, Locator, Page } from 'playwright';
import type { BrowserLauncher } from '../sandbox/types.ts';
import { launchBrowser } from './launch.ts';
import { isAllowedUrl, resolveAppUrl, type UrlCheck } from './origin.ts';
import { settledScreenshot } from './shot.ts';
import { DEFAULT_SETTLE_MS, describeSettle, settlePage, trackRequests } from './settle.ts';

export interface BrowserSessionOptions {
  /** The app as seen from the sandbox, e.g. http://127.0.0.1:41234 */
  appUrl: string;
  /** How to start Chromium inside the sandbox; default `resolveChromium()`. */
  launcher?: BrowserLauncher;
  /** Where screenshots and long snapshots are saved (the ticket's scratch dir). */
  outputDir: string;
  /** Send screenshots to the model as images (config.vision / LOOPWRIGHT_VISION=1). */
  vision?: boolean;
  /** Extra hosts the app may load from (`.loopwright.yml` `network`). */
  allowHosts?: string[];
  viewport?: { width: number; height: number };
  /** Timeout of one action (click, fill, …) in ms. */
  actionTimeoutMs?: number;
  /** Bound of the page-settle wait in ms (`.loopwright.yml` `settleMs`). */
  settleMs?: number;
}

/** A console message, page error or failed request, as reported to the model. */
export interface PageProblem {
  kind: 'console-error' | 'console-warning' | 'page-error' | 'request-failed' | 'http-error';
  text: string;
  url?: string;
}

const REF_RE = /^(?:f\d+)?e\d+$/;
const MAX_PROBLEMS = 200;

export class BrowserSession {
  readonly appUrl: string;
  readonly outputDir: string;
  readonly vision: boolean;
  readonly allowHosts: string[];
  readonly actionTimeoutMs: number;
  readonly settleMs: number;
  private context: BrowserContext;
  private current: Page;
  private problems: PageProblem[] = [];
  private events: string[] = [];
  private knownRefs = new Set<string>();
  private screenshotCount = 0;
  private snapshotCount = 0;
  private closed = false;

  private constructor(context: BrowserContext, page: Page, opts: BrowserSessionOptions) {
    this.context = context;
    this.current = page;
    this.appUrl = opts.appUrl;
    this.outputDir = opts.outputDir;
    this.vision = opts.vision ?? false;
    this.allowHosts = opts.allowHosts ?? [];
    this.actionTimeoutMs = opts.actionTimeoutMs ?? 5_000;
    this.settleMs = opts.settleMs ?? DEFAULT_SETTLE_MS;
  }

  /** Opens a fresh context (no cookies, no storage) and one blank page. */
  static async open(opts: BrowserSessionOptions): Promise<BrowserSession> {
    const browser = await launchBrowser(opts.launcher);
    const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1280, height: 720 } });
    const session = new BrowserSession(context, await context.newPage(), opts);
    session.wire();
    mkdirSync(opts.outputDir, { recursive: true });
    return session;
  }

  get page(): Page {
    return this.current;
  }

  private wire(): void {
    const ctx = this.context;
    ctx.setDefaultTimeout(this.actionTimeoutMs);
    ctx.setDefaultNavigationTimeout(15_000);
    trackRequests(ctx);
    // Second line of defense: requests to other origins never leave the browser.
    void ctx.route(
      (url) => !isAllowedUrl(url, this.appUrl, this.allowHosts),
      (route) => {
        this.addProblem({
          kind: 'request-failed',
          text: 'blocked: outside the app',
          url: route.request().url(),
        });
        return route.abort('blockedbyclient');
      },
    );
    ctx.on('console', (msg: ConsoleMessage) => {
      const type = msg.type();
      if (type === 'error' || type === 'warning') {
        this.addProblem({
          kind: type === 'error' ? 'console-error' : 'console-warning',
          text: msg.text(),
          url: msg.location().url || undefined,
        });
      }
    });
    ctx.on('weberror', (err) =>
      this.addProblem({ kind: 'page-error', text: String(err.error()?.stack ?? err.error()) }),
    );
    ctx.on('requestfailed', (req) => {
      const reason = req.failure()?.errorText ?? 'failed';
      if (reason === 'net::ERR_BLOCKED_BY_CLIENT') return; // already reported by the route
      this.addProblem({ kind: 'request-failed', text: `${req.method()} ${reason}`, url: req.url() });
    });
    ctx.on('response', (res) => {
      if (res.status() >= 400) {
        this.addProblem({
          kind: 'http-error',
          text: `${res.request().method()} ${res.status()}`,
          url: res.url(),
        });
      }
    });
    // Nobody is there to answer a dialog: accept it (so flows continue) and tell the model.
    ctx.on('dialog', (dialog) => {
      this.events.push(`A ${dialog.type()} dialog "${dialog.message()}" was accepted automatically.`);
      dialog.accept(dialog.type() === 'prompt' ? dialog.defaultValue() : undefined).catch(() => undefined);
    });
    ctx.on('page', (page) => {
      // A link opened in a new tab becomes the page the tools drive.
      this.current = page;
      this.events.push(`A new tab opened (${page.url() || 'loading'}); the tools now drive it.`);
      page.on('close', () => {
        if (this.current === page) this.current = this.context.pages().at(-1) ?? this.current;
      });
    });
  }

  private addProblem(p: PageProblem): void {
    this.problems.push(p);
    if (this.problems.length > MAX_PROBLEMS) this.problems.shift();
  }

  /** Console errors/warnings and failed requests since the last call. */
  drainProblems(): PageProblem[] {
    const out = this.problems;
    this.problems = [];
    return out;
  }

  /** Dialogs handled and tabs opened since the last call, for the response's Page section. */
  drainEvents(): string[] {
    const out = this.events;
    this.events = [];
    return out;
  }

  /** Number of console errors and failed requests waiting to be read. */
  get pendingProblems(): number {
    return this.problems.length;
  }

  resolveUrl(input: string): UrlCheck {
    return resolveAppUrl(input, this.appUrl, this.allowHosts);
  }

  /**
   * The aria snapshot with `[ref=eN]` markers; remembers its refs for `locatorForRef`. Callers
   * settle the page first (withPage does).
   */
  async snapshot(): Promise<string> {
    const yaml = await this.current.ariaSnapshot({ mode: 'ai', timeout: 10_000 });
    this.knownRefs = new Set([...yaml.matchAll(/\[ref=([^\]\s]+)\]/g)].map((m) => m[1] ?? ''));
    return yaml;
  }

  /**
   * The element behind a ref from the latest snapshot, or the reason it cannot be used. Refs die
   * with navigation and re-render; the answer then tells the model to take a new snapshot.
   */
  async locatorForRef(ref: string): Promise<{ ok: true; locator: Locator } | { ok: false; reason: string }> {
    const clean = ref
      .trim()
      .replace(/^\[?ref=/, '')
      .replace(/\]$/, '');
    if (!REF_RE.test(clean)) {
      return {
        ok: false,
        reason: `"${ref}" is not a ref; use the value of a [ref=…] marker, e.g. e5, from the latest snapshot`,
      };
    }
    if (!this.knownRefs.has(clean)) {
      return {
        ok: false,
        reason: `ref ${clean} is not in the latest snapshot; take a new snapshot (browser_snapshot) and use a ref from it`,
      };
    }
    const locator = this.current.locator(`aria-ref=${clean}`);
    let count = 0;
    try {
      count = await locator.count();
    } catch {
      count = 0;
    }
    if (count === 0) {
      return {
        ok: false,
        reason: `ref ${clean} is stale: the page changed since the snapshot; take a new snapshot (browser_snapshot) and use a ref from it`,
      };
    }
    return { ok: true, locator };
  }

  /**
   * Waits for what an action started — a navigation, a lazy route, data fetched after mount —
   * bounded by `settleMs` (src/browser/settle.ts). Returns the sentence the response should carry
   * (the bound was hit and what was pending, or the page shows nothing), if any.
   */
  async settle(): Promise<string | undefined> {
    const result = await settlePage(this.current, { timeoutMs: this.settleMs });
    return describeSettle(result, this.settleMs);
  }

  /**
   * Saves a settled screenshot of the viewport under outputDir/screenshots; `blank` when it stayed
   * a single colour after settling twice.
   */
  async screenshot(caption?: string): Promise<{ file: string; blank: boolean }> {
    this.screenshotCount += 1;
    const slug =
      (caption ?? 'page')
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '')
        .slice(0, 40) || 'page';
    const file = path.join(
      this.outputDir,
      'screenshots',
      `${String(this.screenshotCount).padStart(3, '0')}-${slug}.png`,
    );
    mkdirSync(path.dirname(file), { recursive: true });
    const shot = await settledScreenshot(this.current, file, { timeoutMs: this.settleMs });
    return { file, blank: shot.blank };
  }

  /** Saves an over-long snapshot so the response can link it instead of cutting it. */
  saveSnapshot(yaml: string): string {
    this.snapshotCount += 1;
    const file = path.join(
      this.outputDir,
      'snapshots',
      `snapshot-${String(this.snapshotCount).padStart(3, '0')}.yml`,
    );
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, yaml);
    return file;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.context.close().catch(() => undefined);
  }
}
