import { existsSync, lstatSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ensureFfmpegLink,
  ffmpegRevision,
  playwrightBrowsersPath,
  resolveChromium,
  standardChromiumArgs,
} from '../../src/browser/chromium.ts';
import { isCodedError } from '../../src/core/errors.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'lw-chromium-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('resolveChromium', () => {
  it('prefers the configured path, then the system Chromium', () => {
    const system = resolveChromium();
    expect(system.executablePath).toBe('/usr/bin/chromium');
    expect(system.source).toBe('system');
    expect(system.args).toEqual(
      expect.arrayContaining(['--disable-gpu', '--no-first-run', '--disable-sync']),
    );
    expect(resolveChromium({ chromiumPath: '/usr/bin/chromium' }).source).toBe('config');
  });

  it('fails with browser_failed for a configured path that does not exist', () => {
    let error: unknown;
    try {
      resolveChromium({ chromiumPath: path.join(tmp, 'nope') });
    } catch (e) {
      error = e;
    }
    expect(isCodedError(error, 'browser_failed')).toBe(true);
  });

  it('adds --no-sandbox only as root', () => {
    expect(standardChromiumArgs({ root: true })).toContain('--no-sandbox');
    expect(standardChromiumArgs({ root: false })).not.toContain('--no-sandbox');
  });
});

describe('ensureFfmpegLink', () => {
  it('links ffmpeg where Playwright looks, once', () => {
    const browsersPath = path.join(tmp, 'browsers');
    const first = ensureFfmpegLink({ browsersPath });
    expect(first).toMatchObject({ ok: true, state: 'linked' });
    expect(first.path).toBe(path.join(browsersPath, `ffmpeg-${ffmpegRevision()}`, 'ffmpeg-linux'));
    expect(lstatSync(first.path).isSymbolicLink()).toBe(true);
    expect(readlinkSync(first.path)).toBe('/usr/bin/ffmpeg');
    expect(ensureFfmpegLink({ browsersPath }).state).toBe('present');
  });

  it('reports a missing ffmpeg instead of throwing', () => {
    const res = ensureFfmpegLink({ browsersPath: path.join(tmp, 'b2'), ffmpeg: path.join(tmp, 'no-ffmpeg') });
    expect(res).toMatchObject({ ok: false, state: 'missing' });
    expect(existsSync(res.path)).toBe(false);
  });

  it('uses PLAYWRIGHT_BROWSERS_PATH when set', () => {
    expect(playwrightBrowsersPath({ PLAYWRIGHT_BROWSERS_PATH: '/x/y' })).toBe('/x/y');
    expect(playwrightBrowsersPath({ HOME: '/h' })).toMatch(/ms-playwright$/);
  });
});
