/**
 * The one way evidence screenshots are taken: settle the page, take the screenshot, and when it
 * came out a single colour (a page not painted yet), settle again and retake it. A screenshot that
 * stays single-coloured is reported `blank`, so it is flagged and never shown as evidence.
 */
import type { Page } from 'playwright';
import { isSingleColour } from './blank.ts';
import { settlePage, type SettleOptions, type SettleResult } from './settle.ts';

export interface ShotOptions extends SettleOptions {
  fullPage?: boolean;
  /** The caller settled the page just now: skip the first settle. */
  settled?: boolean;
}

export interface Shot {
  /** Still a single colour after a second settle. */
  blank: boolean;
  /** The last settle (absent when the caller settled and the first shot was not blank). */
  settle?: SettleResult;
}

/** Saves a settled screenshot of `page` to `file`; throws only when the screenshot itself fails. */
export async function settledScreenshot(page: Page, file: string, opts: ShotOptions = {}): Promise<Shot> {
  let settle = opts.settled ? undefined : await settlePage(page, opts);
  const take = () => page.screenshot({ path: file, fullPage: opts.fullPage ?? false, timeout: 10_000 });
  await take();
  if (!isSingleColour(file)) return { blank: false, ...(settle ? { settle } : {}) };
  settle = await settlePage(page, opts);
  await take();
  return { blank: isSingleColour(file), settle };
}
