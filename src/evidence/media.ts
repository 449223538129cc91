/**
 * Media made from the recorded run: a short, small GIF preview for PR bodies and Slack (a video
 * does not play inline there), and ffprobe checks that a video really plays.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { colourCount } from '../browser/blank.ts';
import { CodedError, ErrorCode } from '../core/errors.ts';

const run = promisify(execFile);

export const FFMPEG = '/usr/bin/ffmpeg';
export const FFPROBE = '/usr/bin/ffprobe';

export interface GifOptions {
  /** Longest preview, in seconds (default 15). */
  maxSeconds?: number;
  /** Width in px (default 640); height keeps the aspect ratio. */
  width?: number;
  fps?: number;
  /** Size cap in bytes (default 2 MB); smaller settings are tried until it fits. */
  maxBytes?: number;
  /** Second of the video the preview starts at (default 0): the first settled, non-blank frame. */
  startSec?: number;
  ffmpeg?: string;
}

export interface GifResult {
  path: string;
  bytes: number;
  width: number;
  fps: number;
  /** Time spent making it. */
  ms: number;
}

/**
 * Makes a GIF preview of `video` with a generated palette (palettegen/paletteuse keeps the UI's
 * flat colours crisp). When the result passes `maxBytes`, retries smaller and slower.
 */
export async function makeGif(video: string, out: string, opts: GifOptions = {}): Promise<GifResult> {
  const started = Date.now();
  const maxBytes = opts.maxBytes ?? 2 * 1024 * 1024;
  const first = { width: opts.width ?? 640, fps: opts.fps ?? 8 };
  const attempts = [
    first,
    { width: Math.round(first.width * 0.75), fps: 6 },
    { width: Math.round(first.width / 2), fps: 5 },
  ];
  let last: GifResult | undefined;
  for (const { width, fps } of attempts) {
    // fps before trim: the trimmed stream starts with the frame on screen at startSec, not the next change.
    const window = `trim=start=${opts.startSec ?? 0}:duration=${opts.maxSeconds ?? 15},setpts=PTS-STARTPTS`;
    const filter = `fps=${fps},${window},scale=${width}:-2:flags=lanczos,split[a][b];[a]palettegen=stats_mode=diff[p];[b][p]paletteuse=dither=bayer:bayer_scale=5`;
    try {
      await run(
        opts.ffmpeg ?? FFMPEG,
        ['-y', '-v', 'error', '-i', video, '-filter_complex', filter, '-loop', '0', out],
        {
          timeout: 120_000,
        },
      );
    } catch (error) {
      throw new CodedError(ErrorCode.Internal, `ffmpeg could not make a GIF from ${video}`, {
        cause: error,
        hint: 'check ffmpeg with `loopwright doctor`',
      });
    }
    last = { path: out, bytes: statSync(out).size, width, fps, ms: Date.now() - started };
    if (last.bytes <= maxBytes) return last;
  }
  return last as GifResult;
}

/** Frames a second looked at when searching for the first one that shows something. */
const SCAN_FPS = 4;
/** How far past `fromSec` the search looks before it gives up and keeps `fromSec`. */
const SCAN_SECONDS = 10;
/**
 * A frame with at most this many colours shows no page: a blank viewport, maybe beside the grey
 * padding of a screencast frame smaller than the video. Any text brings dozens (anti-aliasing).
 */
const FLAT_COLOURS = 8;

/** Whether a (small, rgb24) frame shows a rendered page. */
export function showsPage(png: string): boolean {
  return colourCount(png, FLAT_COLOURS + 1) > FLAT_COLOURS;
}

export interface PreviewStart {
  /** Second of the video where the preview starts. */
  sec: number;
  /** The frame there, written as a PNG (the preview's poster); absent when no frame could be read. */
  poster?: string;
}

/**
 * Where a preview of `video` should start: the first frame at or after `fromSec` (the moment the
 * run's first settled screenshot was taken) that shows a page (`showsPage`). A recording starts before
 * the page has painted, and a preview that opens on a white viewport reads as "nothing happened".
 * That frame is also written to `poster` (PNG, full size), so the video and the preview have a
 * still that shows the page.
 *
 * Playwright's videos hold a frame only when the screen changed, so a seek lands on the next
 * change, not on what was on screen: frames are read through the `fps` filter (which repeats the
 * frame on screen), where frame i shows second i / SCAN_FPS.
 */
export async function previewStart(
  video: string,
  poster: string,
  opts: { fromSec?: number; ffmpeg?: string } = {},
): Promise<PreviewStart> {
  const from = Math.max(0, opts.fromSec ?? 0);
  const first = Math.floor(from * SCAN_FPS);
  const ffmpeg = opts.ffmpeg ?? FFMPEG;
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'lw-frames-'));
  try {
    // Small rgb24 PNGs (a format colourCount reads); nearest-neighbour adds no colours of its own.
    const scan = `fps=${SCAN_FPS},trim=end=${from + SCAN_SECONDS},scale=320:-2:flags=neighbor`;
    await run(
      ffmpeg,
      ['-v', 'error', '-i', video, '-vf', scan, '-pix_fmt', 'rgb24', path.join(scratch, 'f%04d.png')],
      {
        timeout: 60_000,
      },
    );
    const frames = readdirSync(scratch)
      .filter((f) => f.endsWith('.png'))
      .sort();
    const shows = (i: number) => showsPage(path.join(scratch, frames[i]!));
    let shown = frames.findIndex((_, i) => i >= first && shows(i));
    // The run's clock and the video's can drift apart on a loaded machine, so `fromSec` may lie past
    // the last frame: then the last frame that shows the page (the settled end state) is the start.
    for (let i = Math.min(first, frames.length) - 1; shown < 0 && i >= 0; i--) if (shows(i)) shown = i;
    if (shown < 0) return { sec: from };
    const pick = `fps=${SCAN_FPS},select=eq(n\\,${shown})`;
    await run(ffmpeg, ['-v', 'error', '-y', '-i', video, '-vf', pick, '-frames:v', '1', poster], {
      timeout: 60_000,
    });
    // Frame i shows the screen up to half a frame after i / SCAN_FPS (the fps filter rounds to
    // the nearest); starting half a frame later, the preview's first frame shows that screen too.
    return { sec: (shown + 0.5) / SCAN_FPS, poster };
  } catch {
    // No frame to judge by: keep the start the run gave; the GIF itself reports a broken ffmpeg.
    return { sec: from };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export interface VideoInfo {
  codec: string;
  width: number;
  height: number;
  durationSec: number;
}

/** What ffprobe says about a video; throws when it is not a playable video. */
export async function probeVideo(file: string): Promise<VideoInfo> {
  const { stdout } = await run(FFPROBE, [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=codec_name,width,height:format=duration',
    '-of',
    'json',
    file,
  ]);
  const json = JSON.parse(stdout) as {
    streams?: { codec_name?: string; width?: number; height?: number }[];
    format?: { duration?: string };
  };
  const stream = json.streams?.[0];
  if (!stream?.codec_name) throw new CodedError(ErrorCode.Internal, `${file} has no video stream`);
  return {
    codec: stream.codec_name,
    width: stream.width ?? 0,
    height: stream.height ?? 0,
    durationSec: Number(json.format?.duration ?? 0) || 0,
  };
}
