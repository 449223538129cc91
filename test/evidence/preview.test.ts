/**
 * The GIF preview starts on the page, not on the white viewport a recording opens with: a real
 * Chromium run (video on) of an app that shows nothing for its first 1.5 s, then the preview made
 * as the proof makes it (from the first settled step screenshot, skipping single-colour frames),
 * with its poster. The raw video's first frame is blank (and so is a GIF made from its start), so
 * the check can fail.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { colourCount } from '../../src/browser/blank.ts';
import { closeBrowsers } from '../../src/browser/launch.ts';
import { runPlan } from '../../src/browser/runner.ts';
import { FFMPEG, makeGif, previewStart, showsPage } from '../../src/evidence/media.ts';
import { startSlowApp, type SlowApp } from '../browser/slow-app.ts';

/** The first frame of a video or GIF, small, as an rgb24 PNG (as the preview's scan reads frames). */
function firstFrame(media: string, out: string): string {
  execFileSync(FFMPEG, [
    '-v',
    'error',
    '-y',
    '-i',
    media,
    '-frames:v',
    '1',
    '-vf',
    'scale=320:-2:flags=neighbor',
    '-pix_fmt',
    'rgb24',
    out,
  ]);
  return out;
}

describe('the GIF preview of a run whose first second is blank', () => {
  let app: SlowApp;
  let dir: string;
  let video: string;
  let shotAtMs: number | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lw-preview-'));
    // The shell imports its route after 1.5 s: until then the page is a white, empty body.
    app = await startSlowApp({ importDelayMs: 1_500, moduleDelayMs: 100, dataDelayMs: 100 });
    video = path.join(dir, 'head.webm');
    const run = await runPlan(
      {
        title: 'Reports load',
        steps: [
          { action: 'goto', url: '/reports' },
          { action: 'expect_visible', target: { role: 'button', name: 'Export' } },
        ],
      },
      { appUrl: app.url, label: 'head-1', stepsDir: path.join(dir, 'steps'), videoPath: video },
    );
    expect(run.verdict, JSON.stringify(run.steps)).toBe('passed');
    shotAtMs = run.steps[0]?.shotAtMs;
  }, 90_000);

  afterAll(async () => {
    await app?.close();
    await closeBrowsers();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the recording itself opens blank, and so does a GIF of it from its start', async () => {
    expect(showsPage(firstFrame(video, path.join(dir, 'video-0.png')))).toBe(false);
    // A GIF's palette dithers a blank frame's edge into a few more colours; a page brings 50 and more.
    const gif = await makeGif(video, path.join(dir, 'from-0.gif'), { startSec: 0 });
    expect(colourCount(firstFrame(gif.path, path.join(dir, 'from-0.png')), 50)).toBeLessThan(50);
  }, 60_000);

  it('starts at the first settled, non-blank frame, which is also its poster', async () => {
    // The goto's screenshot waited for the route to render.
    expect(shotAtMs).toBeGreaterThanOrEqual(1_500);
    const poster = path.join(dir, 'poster.png');
    const start = await previewStart(video, poster, { fromSec: shotAtMs! / 1000 });
    expect(start.sec).toBeGreaterThanOrEqual(1.5);
    expect(start.poster).toBe(poster);
    expect(colourCount(poster, 100)).toBe(100);
    const gif = await makeGif(video, path.join(dir, 'head.gif'), { startSec: start.sec });
    expect(colourCount(firstFrame(gif.path, path.join(dir, 'gif-0.png')), 50)).toBe(50);
  }, 60_000);

  it('starts on the last frame that shows the page when the run says a time past the video', async () => {
    const poster = path.join(dir, 'poster-late.png');
    const start = await previewStart(video, poster, { fromSec: 999 });
    expect(start.sec).toBeLessThan(60);
    expect(start.poster && showsPage(poster)).toBe(true);
  }, 60_000);

  it('skips the blank frames even without the run saying when it settled', async () => {
    const poster = path.join(dir, 'poster-0.png');
    const start = await previewStart(video, poster, { fromSec: 0 });
    expect(start.sec).toBeGreaterThan(1);
    expect(existsSync(poster) && showsPage(poster)).toBe(true);
    const gif = await makeGif(video, path.join(dir, 'head-0.gif'), { startSec: start.sec });
    expect(colourCount(firstFrame(gif.path, path.join(dir, 'gif-00.png')), 50)).toBe(50);
  }, 60_000);
});
