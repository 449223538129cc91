import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { registerSecret } from '../../src/core/redact.ts';
import { evidenceDirFor, finalizeManifest, kindOf, sha256File } from '../../src/evidence/manifest.ts';
import { readZip, redactZip, writeZip } from '../../src/evidence/zip.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'lw-manifest-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('manifest', () => {
  it('places evidence under $LOOPWRIGHT_HOME/evidence/<ticket id> and refuses odd ids', () => {
    expect(evidenceDirFor('/home/lw', 't-42')).toBe('/home/lw/evidence/t-42');
    expect(() => evidenceDirFor('/home/lw', '../etc')).toThrow();
  });

  it('finalizeManifest lists, kinds, hashes and redacts what is in the directory', () => {
    const dir = path.join(tmp, 't-1');
    mkdirSync(path.join(dir, 'steps'), { recursive: true });
    const secret = 'worker-secret-value-123456';
    registerSecret(secret);
    writeFileSync(path.join(dir, 'transcript.jsonl'), JSON.stringify({ text: `token ${secret}` }) + '\n');
    writeFileSync(path.join(dir, 'diff.patch'), '+const t = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";\n');
    writeFileSync(path.join(dir, 'steps', 'head-01-goto.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    const m = finalizeManifest(dir, 't-1');
    expect(m.ticketId).toBe('t-1');
    expect(m.artifacts.map((a) => [a.path, a.kind])).toEqual([
      ['diff.patch', 'diff'],
      ['steps/head-01-goto.png', 'step-screenshot'],
      ['transcript.jsonl', 'transcript'],
    ]);
    expect(readFileSync(path.join(dir, 'transcript.jsonl'), 'utf8')).not.toContain(secret);
    expect(readFileSync(path.join(dir, 'diff.patch'), 'utf8')).toContain('[redacted]');
    for (const a of m.artifacts) expect(a.sha256).toBe(sha256File(path.join(dir, a.path)));
    expect(JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')).artifacts).toHaveLength(3);
  });

  it('knows the kinds of the layout', () => {
    expect(kindOf('head.webm')).toBe('video');
    expect(kindOf('head.gif')).toBe('gif');
    expect(kindOf('trace.zip')).toBe('trace');
    expect(kindOf('before/home.png')).toBe('before');
    expect(kindOf('proof.spec.ts')).toBe('test');
  });
});

describe('zip redaction', () => {
  it('rewrites text entries and keeps binary ones', () => {
    const file = path.join(tmp, 'x.zip');
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]);
    writeFileSync(
      file,
      writeZip([
        { name: 'trace.trace', data: Buffer.from('{"text":"ghp_abcdefghijklmnopqrstuvwxyz0123456789"}\n') },
        { name: 'resources/a.png', data: png },
      ]),
    );
    expect(redactZip(file, (t) => t.replace(/ghp_\w+/g, '[redacted]'))).toBe(1);
    const entries = readZip(readFileSync(file))!;
    expect(entries[0]?.data.toString()).toBe('{"text":"[redacted]"}\n');
    expect(entries[1]?.data.equals(png)).toBe(true);
    expect(readZip(Buffer.from('not a zip'))).toBeUndefined();
  });
});
