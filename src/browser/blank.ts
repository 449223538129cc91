/**
 * Whether a screenshot shows anything: a PNG whose pixels are all one colour is what a page that
 * has not rendered yet looks like (a white or a background-coloured viewport), and it is never
 * evidence of anything. Decodes the PNG with node:zlib (8-bit greyscale, RGB and RGBA, not
 * interlaced: what Chromium writes); any other PNG counts as not blank.
 */
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Bytes per pixel by PNG colour type, at bit depth 8. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

/** True when every pixel of the PNG (a buffer or a file path) has the same colour. */
export function isSingleColour(png: Buffer | string): boolean {
  return colourCount(png, 2) === 1;
}

/**
 * How many distinct colours the PNG (a buffer or a file path) has, counted up to `cap` (it stops
 * there); 0 for a PNG this cannot decode. A rendered page has text, and anti-aliased text alone
 * brings dozens; a viewport before the first paint has one or two (a video frame may add the
 * grey Playwright pads a smaller screencast frame with).
 */
export function colourCount(png: Buffer | string, cap = Infinity): number {
  const buf = typeof png === 'string' ? readFileSync(png) : png;
  if (buf.length < 33 || !buf.subarray(0, 8).equals(SIGNATURE)) return 0;
  const width = buf.readUInt32BE(16);
  const height = buf.readUInt32BE(20);
  const depth = buf[24];
  const channels = CHANNELS[buf[25] ?? -1];
  if (depth !== 8 || !channels || buf[28] !== 0 || width === 0) return 0;
  const raw = inflateSync(idat(buf));
  const stride = width * channels;
  const seen = new Set<string>();
  let prev: Buffer = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const start = y * (stride + 1);
    const line = unfilter(raw[start] ?? 0, raw.subarray(start + 1, start + 1 + stride), prev, channels);
    for (let x = 0; x < stride; x += channels) {
      seen.add(line.toString('latin1', x, x + channels));
      if (seen.size >= cap) return seen.size;
    }
    prev = line;
  }
  return seen.size;
}

/** The concatenated IDAT chunks. */
function idat(buf: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 8; at + 8 <= buf.length;) {
    const len = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    if (type === 'IDAT') parts.push(buf.subarray(at + 8, at + 8 + len));
    if (type === 'IEND') break;
    at += 12 + len;
  }
  return Buffer.concat(parts);
}

/** Undoes one scanline's filter (PNG spec §9.2); returns a new buffer. */
function unfilter(filter: number, line: Buffer, prev: Buffer, bpp: number): Buffer {
  const out = Buffer.from(line);
  for (let i = 0; i < out.length; i++) {
    const a = i >= bpp ? (out[i - bpp] ?? 0) : 0;
    const b = prev[i] ?? 0;
    const c = i >= bpp ? (prev[i - bpp] ?? 0) : 0;
    const x = out[i] ?? 0;
    switch (filter) {
      case 1:
        out[i] = x + a;
        break;
      case 2:
        out[i] = x + b;
        break;
      case 3:
        out[i] = x + ((a + b) >> 1);
        break;
      case 4:
        out[i] = x + paeth(a, b, c);
        break;
    }
  }
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}
