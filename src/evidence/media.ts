/**
 * Media made from the recorded run: a short, small GIF preview for PR bodies and Slack (a video
 * does not play inline there), and ffprobe checks that a video really plays.
 */
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { promisify } from 'node:util';
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
    const filter = `fps=${fps},scale=${width}:-2:flags=lanczos,split[a][b];[a]palettegen=stats_mode=diff[p];[b][p]paletteuse=dither=bayer:bayer_scale=5`;
    try {
      await run(
        opts.ffmpeg ?? FFMPEG,
        [
          '-y',
          '-v',
          'error',
          '-t',
          String(opts.maxSeconds ?? 15),
          '-i',
          video,
          '-filter_complex',
          filter,
          '-loop',
          '0',
          out,
        ],
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
