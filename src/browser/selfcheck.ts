/**
 * Can this worker record a proof? Checked at worker start, before any ticket is claimed, because
 * a worker that cannot (no Chromium, no ffmpeg where Playwright looks, no sandbox) would otherwise
 * fail every ticket at verification, after the model time is spent. The check does what a proof
 * does, in small: Chromium starts the way a sandbox starts it (inside bwrap unless
 * LOOPWRIGHT_SANDBOX=none) and a short video is written.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright';
import { asCodedError, CodedError, ErrorCode } from '../core/errors.ts';
import { writeBrowserLauncher } from '../sandbox/browser.ts';
import { isolationUnavailable } from '../sandbox/provider.ts';
import { SandboxRunner } from '../sandbox/runner.ts';
import type { BrowserLauncher } from '../sandbox/types.ts';
import { ensureFfmpegLink, resolveChromium } from './chromium.ts';
import { startBrowser } from './launch.ts';

/** The verdict, in the words a log line, /healthz and the queue page show. */
export interface ProofCheck {
  ok: boolean;
  /** What failed (absent when ok). */
  problem?: { code: ErrorCode; message: string; fix?: string };
  /** How the browser ran: 'bwrap' or 'none'. */
  sandbox: 'bwrap' | 'none';
  ms: number;
}

export interface ProofCheckOptions {
  config: { chromiumPath?: string; sandbox: 'bwrap' | 'none' };
  /** Bound of the whole check (default 60 s; a cold Chromium on a loaded machine is slow). */
  timeoutMs?: number;
}

/** Launches Chromium as a sandbox would and records a short video. Never throws. */
export async function checkProofRecording(opts: ProofCheckOptions): Promise<ProofCheck> {
  const started = Date.now();
  const sandbox = opts.config.sandbox;
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'lw-selfcheck-'));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new CodedError(
            ErrorCode.BrowserFailed,
            `recording a test video took over ${opts.timeoutMs ?? 60_000} ms`,
            {
              hint: 'run `loopwright doctor` on this machine; a machine this loaded cannot verify tickets either',
            },
          ),
        ),
      opts.timeoutMs ?? 60_000,
    );
  });
  try {
    await Promise.race([recordOnce(launcherFor(opts.config, scratch), scratch), late]);
    return { ok: true, sandbox, ms: Date.now() - started };
  } catch (caught) {
    const error = asCodedError(caught, ErrorCode.BrowserFailed);
    const message = error.message.split('\n')[0]!;
    return {
      ok: false,
      problem: { code: error.code, message, fix: error.hint },
      sandbox,
      ms: Date.now() - started,
    };
  } finally {
    clearTimeout(timer);
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Chromium as a sandbox starts it; throws with the fix when something is missing. */
function launcherFor(config: ProofCheckOptions['config'], scratch: string): BrowserLauncher {
  const link = ensureFfmpegLink();
  if (!link.ok) {
    throw new CodedError(
      ErrorCode.BrowserFailed,
      `no ffmpeg for Playwright's video recorder: ${link.detail}`,
      {
        hint: 'apt-get install -y ffmpeg, then `loopwright doctor --fix` (as the user that installed Loopwright)',
      },
    );
  }
  const chromium = resolveChromium(config);
  if (config.sandbox === 'none') return chromium;
  const why = isolationUnavailable();
  if (why) throw why;
  const runner = new SandboxRunner({ isolated: true, tmpDir: scratch, mounts: [] });
  return writeBrowserLauncher({ runner, scratchDir: scratch, chromiumPath: chromium.executablePath });
}

async function recordOnce(launcher: BrowserLauncher, scratch: string): Promise<void> {
  let browser: Browser | undefined;
  try {
    browser = await startBrowser(launcher);
    const size = { width: 320, height: 240 };
    const context = await browser.newContext({ viewport: size, recordVideo: { dir: scratch, size } });
    const page = await context.newPage().catch((error: Error) => {
      throw videoError(error);
    });
    await page.setContent('<h1>Loopwright self-check</h1>');
    await page.waitForTimeout(300);
    const video = page.video();
    await context.close();
    const file = await video?.path();
    if (!file || statSync(file).size === 0) {
      throw new CodedError(ErrorCode.BrowserFailed, 'Chromium ran but the test video is empty', {
        hint: 'run `loopwright doctor`; check that ffmpeg runs (ffmpeg -version)',
      });
    }
  } finally {
    await browser?.close().catch(() => {});
  }
}

/** Playwright's "install ffmpeg" box names a command that cannot work offline; name ours. */
function videoError(error: Error): CodedError {
  const message = error.message.split('\n')[0]!;
  return new CodedError(ErrorCode.BrowserFailed, `Playwright cannot record video: ${message}`, {
    cause: error,
    hint: 'run `loopwright doctor --fix` as the user that installed Loopwright (it links the system ffmpeg), or set PLAYWRIGHT_BROWSERS_PATH to a directory holding ffmpeg-<rev>/ffmpeg-linux',
  });
}
