/**
 * Failing fast on a missing target. A step whose target is absent from a page that has stopped
 * changing will not find it by waiting out the step timeout: the page is quiet (loaded, no request
 * started or finished and no DOM change for a quiet window) and the target is still absent after
 * it, so the step fails then. The proof uses this on the base run, where the target the change
 * adds is expected to be missing.
 *
 * `pageQuiet` is the minimal check; `settledQuiet` asks the settle every screenshot waits for
 * (settle.ts: requests in flight without long-lived connections, fonts, two agreeing aria
 * snapshots) and is what the proof's base run uses, through `FailFastOptions.quiet`.
 */
import type { Locator, Page, Request } from 'playwright';
import { settlePage } from './settle.ts';

export interface FailFastOptions {
  /** Whether the page has stopped changing (default `pageQuiet`). */
  quiet?: (page: Page) => Promise<boolean>;
  /** Time the page always gets before absence counts (default 1000 ms). */
  graceMs?: number;
  /** How often absence is looked for (default 250 ms). */
  pollMs?: number;
}

/** Thrown when the target is absent from a quiet page. */
export class TargetAbsent extends Error {
  constructor() {
    super('the target is absent and the page has stopped changing');
    this.name = 'TargetAbsent';
  }
}

const QUIET_MS = 500;
const inFlight = new WeakMap<Page, Set<Request>>();

/**
 * Counts the page's requests in flight from now on; call it before the first navigation, so a
 * slow request of the initial load keeps the page from counting as quiet.
 */
export function trackInFlight(page: Page): void {
  if (inFlight.has(page)) return;
  const live = new Set<Request>();
  inFlight.set(page, live);
  page.on('request', (r) => live.add(r));
  page.on('requestfinished', (r) => live.delete(r));
  page.on('requestfailed', (r) => live.delete(r));
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * True when the page finished loading, no request is in flight (as far as `trackInFlight` saw),
 * and for `quietMs` no request started or ended and the DOM did not change. A page that cannot be
 * asked (navigating, closed) is not quiet.
 */
export async function pageQuiet(page: Page, quietMs = QUIET_MS): Promise<boolean> {
  let traffic = 0;
  const seen = () => traffic++;
  page.on('request', seen);
  page.on('requestfinished', seen);
  page.on('requestfailed', seen);
  try {
    const domQuiet = await page
      .evaluate(
        (ms) =>
          new Promise<boolean>((resolve) => {
            if (document.readyState !== 'complete') return resolve(false);
            let changed = false;
            const observer = new MutationObserver(() => (changed = true));
            observer.observe(document, {
              subtree: true,
              childList: true,
              attributes: true,
              characterData: true,
            });
            setTimeout(() => {
              observer.disconnect();
              resolve(!changed);
            }, ms);
          }),
        quietMs,
      )
      .catch(() => false);
    return domQuiet && traffic === 0 && (inFlight.get(page)?.size ?? 0) === 0;
  } finally {
    page.off('request', seen);
    page.off('requestfinished', seen);
    page.off('requestfailed', seen);
  }
}

/** How long one `settledQuiet` look may wait for the page to settle before it says "not quiet". */
const SETTLE_LOOK_MS = 2_000;

/**
 * Quiet as the screenshots see it: the page settled (settle.ts) within `boundMs`, with the DOM
 * unchanged for the same window `pageQuiet` uses. A page still busy at the bound is not quiet, so
 * the step waits on and is looked at again.
 */
export async function settledQuiet(page: Page, boundMs = SETTLE_LOOK_MS): Promise<boolean> {
  return (await settlePage(page, { timeoutMs: boundMs, quietMs: QUIET_MS })).settled;
}

/**
 * `action`'s result, or a `TargetAbsent` rejection as soon as `locator` matches nothing on a quiet
 * page (looked at twice: before and after the quiet window). The action keeps running until its
 * own timeout; its late failure is swallowed.
 */
export async function unlessAbsent<T>(
  page: Page,
  locator: Locator,
  action: Promise<T>,
  opts: FailFastOptions = {},
): Promise<T> {
  action.catch(() => undefined);
  const quiet = opts.quiet ?? ((p: Page) => pageQuiet(p));
  let done = false;
  const absent = async (): Promise<never> => {
    await sleep(opts.graceMs ?? 1000);
    for (;;) {
      if (done) return new Promise<never>(() => {});
      const missing = async () => (await locator.count().catch(() => 1)) === 0;
      if ((await missing()) && (await quiet(page)) && (await missing())) throw new TargetAbsent();
      await sleep(opts.pollMs ?? 250);
    }
  };
  try {
    return await Promise.race([action, absent()]);
  } finally {
    done = true;
  }
}
