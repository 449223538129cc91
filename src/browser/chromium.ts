/**
 * Where Chromium and ffmpeg come from. The system Chromium is preferred (no download on a machine
 * without internet); Playwright's own build is the fallback. Playwright's video recorder looks for
 * its own ffmpeg build under the browsers path; linking the system ffmpeg there makes
 * `recordVideo` work without `npx playwright install`.
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  unlinkSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright';
import { CodedError, ErrorCode } from '../core/errors.ts';
import { browsersPathOf } from './browsers-path.ts';
import { standardChromiumArgs } from '../sandbox/chromium-args.ts';
import type { BrowserLauncher } from '../sandbox/types.ts';

export { standardChromiumArgs };

export const SYSTEM_CHROMIUM = '/usr/bin/chromium';
export const SYSTEM_FFMPEG = '/usr/bin/ffmpeg';

/** Where the executable was found, for `loopwright doctor`. */
export type ChromiumSource = 'config' | 'system' | 'playwright';

export interface ResolvedChromium extends BrowserLauncher {
  source: ChromiumSource;
}

/**
 * The Chromium to launch: `config.chromiumPath` (LOOPWRIGHT_CHROMIUM), else `/usr/bin/chromium`,
 * else Playwright's downloaded build. Throws `browser_failed` when none exists — a broken
 * environment, not something the agent can fix.
 */
export function resolveChromium(config: { chromiumPath?: string } = {}): ResolvedChromium {
  const args = standardChromiumArgs();
  if (config.chromiumPath) {
    if (!existsSync(config.chromiumPath)) {
      throw new CodedError(ErrorCode.BrowserFailed, `Chromium not found at ${config.chromiumPath}`, {
        hint: 'fix LOOPWRIGHT_CHROMIUM (chromiumPath) or unset it to use /usr/bin/chromium',
      });
    }
    return { executablePath: config.chromiumPath, args, source: 'config' };
  }
  if (existsSync(SYSTEM_CHROMIUM)) return { executablePath: SYSTEM_CHROMIUM, args, source: 'system' };
  let bundled = '';
  try {
    bundled = chromium.executablePath();
  } catch {
    // Playwright throws when it has no registry entry for this platform; treated as not found.
  }
  if (bundled && existsSync(bundled)) return { executablePath: bundled, args, source: 'playwright' };
  throw new CodedError(ErrorCode.BrowserFailed, 'no Chromium found', {
    hint: 'install the chromium package (apt-get install chromium) or set LOOPWRIGHT_CHROMIUM',
  });
}

/**
 * Where Playwright looks for ffmpeg: PLAYWRIGHT_BROWSERS_PATH as the operator set it, else
 * Loopwright's own path inside the install (never HOME's cache; see browsers-path.ts).
 */
export function playwrightBrowsersPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PLAYWRIGHT_BROWSERS_PATH === '0') return path.join(playwrightCoreDir(), '.local-browsers');
  return browsersPathOf(env);
}

/** The playwright-core that `playwright` itself loads. */
function playwrightCoreDir(): string {
  const fromPlaywright = createRequire(createRequire(import.meta.url).resolve('playwright/package.json'));
  return path.dirname(fromPlaywright.resolve('playwright-core/package.json'));
}

/** The ffmpeg revision Playwright expects, from playwright-core/browsers.json. */
export function ffmpegRevision(): string {
  // browsers.json is not an exported subpath of playwright-core.
  const file = path.join(playwrightCoreDir(), 'browsers.json');
  const json = JSON.parse(readFileSync(file, 'utf8')) as { browsers: { name: string; revision: string }[] };
  const entry = json.browsers.find((b) => b.name === 'ffmpeg');
  if (!entry) throw new CodedError(ErrorCode.BrowserFailed, 'playwright-core/browsers.json lists no ffmpeg');
  return entry.revision;
}

export interface FfmpegLinkStatus {
  ok: boolean;
  /** Where Playwright looks for ffmpeg. */
  path: string;
  /** 'present': already there · 'linked': link made now · 'missing': cannot be made. */
  state: 'present' | 'linked' | 'missing';
  detail: string;
}

/**
 * Makes Playwright's video recorder find ffmpeg by linking the system ffmpeg at
 * `<browsersPath>/ffmpeg-<rev>/ffmpeg-linux`. Idempotent; never throws, so `doctor` can report it.
 */
export function ensureFfmpegLink(
  opts: { env?: NodeJS.ProcessEnv; ffmpeg?: string; browsersPath?: string } = {},
): FfmpegLinkStatus {
  const ffmpeg = opts.ffmpeg ?? SYSTEM_FFMPEG;
  let target: string;
  try {
    const dir = path.join(
      opts.browsersPath ?? playwrightBrowsersPath(opts.env),
      `ffmpeg-${ffmpegRevision()}`,
    );
    target = path.join(dir, 'ffmpeg-linux');
  } catch (error) {
    return { ok: false, path: '', state: 'missing', detail: (error as Error).message };
  }
  if (isUsable(target)) return { ok: true, path: target, state: 'present', detail: `ffmpeg at ${target}` };
  if (!existsSync(ffmpeg)) {
    return {
      ok: false,
      path: target,
      state: 'missing',
      detail: `${ffmpeg} not found; install ffmpeg (apt-get install ffmpeg) so videos can be recorded`,
    };
  }
  try {
    mkdirSync(path.dirname(target), { recursive: true });
    // A dangling link left by an earlier ffmpeg location is replaced.
    if (isLink(target)) unlinkSync(target);
    symlinkSync(ffmpeg, target);
    return { ok: true, path: target, state: 'linked', detail: `linked ${ffmpeg} at ${target}` };
  } catch (error) {
    return {
      ok: false,
      path: target,
      state: 'missing',
      detail: `cannot link ${target}: ${(error as Error).message}`,
    };
  }
}

function isLink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

function isUsable(file: string): boolean {
  if (!existsSync(file)) return false;
  if (!isLink(file)) return true;
  return existsSync(path.resolve(path.dirname(file), readlinkSync(file)));
}
