/**
 * Where Playwright looks for its downloads (ffmpeg for `recordVideo`, its own Chromium). By
 * default that is `~/.cache/ms-playwright`, so a worker under another HOME (a service user, a
 * container, a CI job) finds no ffmpeg and fails every proof after the model time is spent.
 * Loopwright pins the location to its own install directory instead, where `npm run setup`
 * (`doctor --fix`) links the system ffmpeg once for every user of this install.
 *
 * Playwright reads PLAYWRIGHT_BROWSERS_PATH once, when it is first loaded, so this module imports
 * nothing of Playwright and `pinBrowsersPath` runs before anything else loads it.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory this Loopwright is installed in (the one holding package.json). */
export const INSTALL_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Loopwright's own browsers path: inside the install, independent of HOME. */
export const LOOPWRIGHT_BROWSERS_PATH = path.join(INSTALL_ROOT, 'node_modules', '.cache', 'ms-playwright');

/**
 * The browsers path in effect: PLAYWRIGHT_BROWSERS_PATH when the operator set one, else
 * Loopwright's own. (`0` is Playwright's "inside playwright-core" and is kept as it is.)
 */
export function browsersPathOf(env: NodeJS.ProcessEnv = process.env): string {
  return env.PLAYWRIGHT_BROWSERS_PATH || LOOPWRIGHT_BROWSERS_PATH;
}

/** Sets PLAYWRIGHT_BROWSERS_PATH for this process (and the ones it starts) when unset. */
export function pinBrowsersPath(env: NodeJS.ProcessEnv = process.env): string {
  env.PLAYWRIGHT_BROWSERS_PATH = browsersPathOf(env);
  return env.PLAYWRIGHT_BROWSERS_PATH;
}
