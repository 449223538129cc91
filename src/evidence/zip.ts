/**
 * Redaction inside a zip (the Playwright trace): a trace holds DOM snapshots, console text and
 * network bodies of the app, so a secret shown by the app would ride along compressed, out of reach
 * of a plain text scan. Only what redaction needs: read the central directory, rewrite every text
 * entry through `redact`, write a plain zip (no zip64, no encryption — Playwright writes neither
 * for traces of this size).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';

interface Entry {
  name: string;
  data: Buffer;
}

/** Reads all entries; undefined when the file is not a zip this reader understands. */
export function readZip(buf: Buffer): Entry[] | undefined {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return undefined;
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || p === 0xffffffff) return undefined; // zip64
  const entries: Entry[] = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) return undefined;
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + size);
    if (method !== 0 && method !== 8) return undefined;
    entries.push({ name, data: method === 8 ? inflateRawSync(raw) : Buffer.from(raw) });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

export function writeZip(entries: Entry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBuf = Buffer.from(name, 'utf8');
    const packed = deflateRawSync(data);
    const crc = crc32(data);
    const head = Buffer.alloc(30);
    head.writeUInt32LE(0x04034b50, 0);
    head.writeUInt16LE(20, 4);
    head.writeUInt16LE(0x0800, 6); // UTF-8 names
    head.writeUInt16LE(8, 8);
    head.writeUInt32LE(0x00210000, 10); // 1980-01-01 00:00, fixed so output is reproducible
    head.writeUInt32LE(crc, 14);
    head.writeUInt32LE(packed.length, 18);
    head.writeUInt32LE(data.length, 22);
    head.writeUInt16LE(nameBuf.length, 26);
    head.writeUInt16LE(0, 28);
    locals.push(head, nameBuf, packed);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(0x00210000, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBuf);
    offset += 30 + nameBuf.length + packed.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** Text, as opposed to images and fonts: no NUL byte in the first 8 KB. */
function isText(data: Buffer): boolean {
  return !data.subarray(0, 8192).includes(0);
}

/**
 * Rewrites a zip with `redact` applied to every text entry. Returns how many entries changed, or
 * undefined when the file could not be read as a zip (the caller then drops it from evidence).
 */
export function redactZip(file: string, redact: (text: string) => string): number | undefined {
  const entries = readZip(readFileSync(file));
  if (!entries) return undefined;
  let changed = 0;
  for (const entry of entries) {
    if (!isText(entry.data)) continue;
    const text = entry.data.toString('utf8');
    const clean = redact(text);
    if (clean !== text) {
      entry.data = Buffer.from(clean, 'utf8');
      changed += 1;
    }
  }
  if (changed > 0) {
    writeFileSync(`${file}.tmp`, writeZip(entries));
    renameSync(`${file}.tmp`, file);
  }
  return changed;
}
