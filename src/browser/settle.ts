/**
 * When a page is worth looking at. Real apps render late: a route arrives by dynamic import, its
 * data by a fetch after mount, charts animate in; `load` says nothing about any of it. A page is
 * settled when
 *   - no request is in flight (long-lived connections do not count: websockets such as a dev
 *     server's hot-reload channel, EventSource and any `text/event-stream` response),
 *   - the DOM has not changed for a short quiet window (a MutationObserver in the page),
 *   - `document.fonts.ready` has resolved,
 *   - and two consecutive aria snapshots agree.
 * The wait is bounded; when the bound is hit the result says what was still pending, so a caller
 * can tell a person (or the model) instead of showing a half-rendered page as if it were whole.
 *
 * Every place that looks at a page uses this one function: the agent's browser tools, the plan
 * runner's step screenshots and the before/after route screenshots.
 */
import type { BrowserContext, Page, Request } from 'playwright';

/** Bound of the wait when the target sets none (`.loopwright.yml` `settleMs`). */
export const DEFAULT_SETTLE_MS = 10_000;
/** How long the DOM must stay unchanged to count as quiet. */
export const DEFAULT_QUIET_MS = 100;
/** How long an empty page is given to render before it counts as settled. */
export const DEFAULT_EMPTY_MS = 3_000;

export interface SettleOptions {
  /** Upper bound of the whole wait in ms (default DEFAULT_SETTLE_MS); 0 takes the page as it is. */
  timeoutMs?: number;
  /** Quiet window of the DOM in ms (default DEFAULT_QUIET_MS). */
  quietMs?: number;
  /**
   * How long a page that shows nothing is waited for even when quiet (default DEFAULT_EMPTY_MS,
   * at most the bound): app shells often mount after a timer, which no request or mutation shows.
   */
  emptyMs?: number;
}

export interface SettleResult {
  /** Every condition held before the bound. */
  settled: boolean;
  /** Time spent waiting. */
  ms: number;
  /** Requests still in flight when the bound was hit, as `METHOD url` (empty when settled). */
  pending: string[];
  /** The DOM was still changing when the bound was hit. */
  domChanging: boolean;
  /** The last aria snapshot taken (`mode: 'ai'`, with refs); '' when the page shows nothing. */
  snapshot: string;
}

const inFlight = new WeakMap<BrowserContext, Set<Request>>();

/**
 * Starts counting the context's requests in flight. Call it before the first navigation so
 * requests of the initial load are seen; `settlePage` calls it too (idempotent).
 */
export function trackRequests(context: BrowserContext): void {
  if (inFlight.has(context)) return;
  const live = new Set<Request>();
  inFlight.set(context, live);
  context.on('request', (req) => {
    if (!isLongLived(req)) live.add(req);
  });
  context.on('response', (res) => {
    // An event stream answers at once and never finishes: it is a connection, not a load.
    if (/text\/event-stream/i.test(res.headers()['content-type'] ?? '')) live.delete(res.request());
  });
  context.on('requestfinished', (req) => live.delete(req));
  context.on('requestfailed', (req) => live.delete(req));
}

function isLongLived(req: Request): boolean {
  const type = req.resourceType();
  return type === 'eventsource' || type === 'websocket';
}

/** Waits until the page is settled or the bound is hit; never throws for a page that stays busy. */
export async function settlePage(page: Page, opts: SettleOptions = {}): Promise<SettleResult> {
  const started = performance.now();
  const bound = opts.timeoutMs ?? DEFAULT_SETTLE_MS;
  const deadline = started + bound;
  const emptyMs = Math.min(opts.emptyMs ?? DEFAULT_EMPTY_MS, bound);
  const left = () => Math.max(0, deadline - performance.now());
  if (bound <= 0) return { settled: false, ms: 0, pending: [], domChanging: false, snapshot: '' };
  trackRequests(page.context());
  const live = inFlight.get(page.context()) as Set<Request>;
  for (;;) {
    await page.waitForLoadState('load', { timeout: Math.max(1, left()) }).catch(() => undefined);
    const idle = await noRequests(live, left);
    // The first snapshot is taken inside the quiet window, so a settled page costs one window
    // and one snapshot more, not two snapshots more.
    const [quiet, first] = await Promise.all([
      domQuiet(page, opts.quietMs ?? DEFAULT_QUIET_MS, left()),
      ariaOf(page, left()),
    ]);
    const snapshot = await ariaOf(page, left());
    const agree = first === snapshot;
    // A request the page started during the window counts too (its event may arrive late).
    const stillIdle = idle && live.size === 0;
    const ms = performance.now() - started;
    // A page showing nothing may still be waiting on a timer to mount: give it emptyMs.
    const shows = snapshot.trim() !== '' || ms >= emptyMs;
    if (stillIdle && quiet && agree && shows)
      return { settled: true, ms, pending: [], domChanging: false, snapshot };
    if (left() <= 0) {
      const pending = [...live].map((r) => `${r.method()} ${r.url()}`);
      return { settled: false, ms, pending, domChanging: !quiet, snapshot };
    }
  }
}

async function noRequests(live: Set<Request>, left: () => number): Promise<boolean> {
  while (live.size > 0) {
    if (left() <= 0) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

/**
 * In the page: resolves true once no mutation happened for `quietMs` and fonts are ready, false
 * at `timeoutMs`. A navigation destroying the context mid-wait counts as "not quiet".
 */
async function domQuiet(page: Page, quietMs: number, timeoutMs: number): Promise<boolean> {
  if (timeoutMs <= 0) return false;
  return page
    .evaluate(
      async ({ quietMs, timeoutMs }) => {
        const start = performance.now();
        const fonts = Promise.race([document.fonts.ready, new Promise((r) => setTimeout(r, timeoutMs))]);
        let last = performance.now();
        const observer = new MutationObserver(() => (last = performance.now()));
        observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
        try {
          for (;;) {
            const now = performance.now();
            if (now - last >= quietMs) break;
            if (now - start >= timeoutMs) return false;
            await new Promise((r) => setTimeout(r, Math.min(quietMs - (now - last), 50)));
          }
          await fonts;
          return true;
        } finally {
          observer.disconnect();
        }
      },
      { quietMs, timeoutMs },
    )
    .catch(() => false);
}

async function ariaOf(page: Page, timeoutMs: number): Promise<string> {
  return page
    .ariaSnapshot({ mode: 'ai', timeout: Math.max(1_000, Math.min(timeoutMs, 5_000)) })
    .catch(() => '');
}

/**
 * What a person or the model should know about a settle, in one sentence, or undefined when
 * there is nothing to say (settled on a page that shows something).
 */
export function describeSettle(result: SettleResult, boundMs: number): string | undefined {
  const empty = result.snapshot.trim() === '';
  if (result.settled) {
    return empty
      ? 'The page shows nothing: it settled with an empty accessibility tree (no text, no controls). The app may have failed to render; check browser_console_messages and the app log.'
      : undefined;
  }
  const why: string[] = [];
  if (result.pending.length) {
    const shown = result.pending.slice(0, 5).join(', ');
    const more = result.pending.length > 5 ? ` and ${result.pending.length - 5} more` : '';
    why.push(`${result.pending.length} request(s) still pending (${shown}${more})`);
  }
  if (result.domChanging) why.push('DOM still changing');
  if (!why.length) why.push(boundMs <= 0 ? 'not waited for' : 'the page changed between two snapshots');
  const tail = empty
    ? ' The page shows nothing yet (empty accessibility tree).'
    : ' What follows may be incomplete.';
  return `The page did not settle within ${Math.round(boundMs / 100) / 10} s: ${why.join('; ')}.${tail} Wait with browser_wait_for (a text you expect) or take browser_snapshot again.`;
}
