/**
 * One Chromium per worker process and launcher (a sandbox's launcher puts it in that sandbox's
 * network namespace); every ticket and every proof run gets its own context, so storage is fresh
 * while the costly browser start is paid once.
 */
import { chromium, type Browser } from 'playwright';
import { CodedError, ErrorCode } from '../core/errors.ts';
import type { BrowserLauncher } from '../sandbox/types.ts';
import { resolveChromium } from './chromium.ts';

const browsers = new Map<string, Promise<Browser>>();

/** Variables Chromium needs to run; everything else of the worker (tokens!) stays out. */
const PASS_ENV = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL', 'TZ', 'XDG_RUNTIME_DIR', 'FONTCONFIG_PATH'];

/**
 * The browser's environment: the launcher's own env when it gives one, else a minimal one. Never
 * the worker's full environment, which holds GITHUB_TOKEN, OPENAI_API_KEY and the like.
 */
export function browserEnv(launcher: BrowserLauncher): Record<string, string> {
  if (launcher.env) return { ...launcher.env };
  const env: Record<string, string> = {};
  for (const name of PASS_ENV) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

const keyOf = (l: BrowserLauncher) => JSON.stringify([l.executablePath, l.args, l.env ?? null]);

/** The shared browser for a launcher (default: `resolveChromium()`), started on first use. */
export async function launchBrowser(launcher: BrowserLauncher = resolveChromium()): Promise<Browser> {
  const key = keyOf(launcher);
  let pending = browsers.get(key);
  if (!pending) {
    pending = startBrowser(launcher);
    browsers.set(key, pending);
    pending.then(
      (browser) => browser.on('disconnected', () => browsers.delete(key)),
      () => browsers.delete(key),
    );
  }
  const browser = await pending;
  if (!browser.isConnected()) {
    browsers.delete(key);
    return launchBrowser(launcher);
  }
  return browser;
}

/** A browser of its own, not shared (for benchmarks and tests of the launch itself). */
export async function startBrowser(launcher: BrowserLauncher = resolveChromium()): Promise<Browser> {
  try {
    return await chromium.launch({
      executablePath: launcher.executablePath,
      args: launcher.args,
      env: browserEnv(launcher),
      headless: true,
    });
  } catch (error) {
    throw new CodedError(ErrorCode.BrowserFailed, `Chromium failed to start: ${(error as Error).message}`, {
      cause: error,
      hint: 'run `loopwright doctor` to check Chromium',
      retryable: true,
    });
  }
}

/** Closes every shared browser (worker shutdown, test teardown). */
export async function closeBrowsers(): Promise<void> {
  const all = [...browsers.values()];
  browsers.clear();
  await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.close().catch(() => undefined)));
}
