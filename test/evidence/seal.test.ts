/**
 * Issue 11 (c): manifest.json must vouch for every file as published. The transcript is appended
 * and diff.patch written after the proof finalized the manifest; sealing rescans right before
 * publishing.
 */
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerSecret } from '../../src/core/redact.ts';
import {
  finalizeManifest,
  MANIFEST,
  readManifest,
  sealManifest,
  sha256File,
  writeManifest,
  type EvidenceManifest,
} from '../../src/evidence/manifest.ts';

let dir: string;
beforeEach(() => {
  dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'lw-seal-')), 't-seal');
  mkdirSync(path.join(dir, 'steps'), { recursive: true });
});
afterEach(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

const line = (o: unknown) => JSON.stringify(o) + '\n';

/** What a proof leaves behind: finalized, with a caption and a run on the video. */
function provenEvidence(): void {
  writeFileSync(path.join(dir, 'transcript.jsonl'), line({ kind: 'note', text: 'coding' }));
  writeFileSync(path.join(dir, 'head-1.webm'), Buffer.from([0x1a, 0x45, 0xdf, 0xa3]));
  writeFileSync(path.join(dir, 'steps', 'head-1-01-goto.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  const m = finalizeManifest(dir, 't-seal');
  const video = m.artifacts.find((a) => a.path === 'head-1.webm')!;
  video.caption = 'The new code, first run';
  video.run = 'head-1';
  writeManifest(dir, m);
}

const onDisk = (m: EvidenceManifest) =>
  m.artifacts.map((a) => ({
    path: a.path,
    sha256: a.sha256 === sha256File(path.join(dir, a.path)),
    bytes: a.bytes === statSync(path.join(dir, a.path)).size,
  }));

describe('sealManifest', () => {
  it('rehashes what was written after finalizing, keeping captions, kinds and runs', () => {
    provenEvidence();
    // The pipeline goes on after the proof: review and publishing append to the transcript,
    // and the diff is written next to it.
    const secret = 'seal-test-secret-9f8e7d6c';
    registerSecret(secret);
    appendFileSync(path.join(dir, 'transcript.jsonl'), line({ kind: 'note', text: `reviewing ${secret}` }));
    writeFileSync(path.join(dir, 'diff.patch'), '+hello\n');
    writeFileSync(path.join(dir, 'manifest.json.tmp'), '{}');

    const stale = readManifest(dir)!;
    expect(onDisk(stale).find((a) => a.path === 'transcript.jsonl')?.sha256).toBe(false);

    const sealed = sealManifest(dir, 't-seal');
    const written = JSON.parse(readFileSync(path.join(dir, MANIFEST), 'utf8')) as EvidenceManifest;
    expect(written.artifacts).toEqual(sealed.artifacts);
    expect(written.sealedAt).toBe(sealed.sealedAt);
    expect(Date.parse(sealed.sealedAt!)).not.toBeNaN();
    expect(written.artifacts.map((a) => a.path)).toEqual([
      'diff.patch',
      'head-1.webm',
      'steps/head-1-01-goto.png',
      'transcript.jsonl',
    ]);
    for (const a of onDisk(written)) expect(a).toEqual({ path: a.path, sha256: true, bytes: true });
    expect(readFileSync(path.join(dir, 'transcript.jsonl'), 'utf8')).not.toContain(secret);
    const video = written.artifacts.find((a) => a.path === 'head-1.webm')!;
    expect(video).toMatchObject({ kind: 'video', caption: 'The new code, first run', run: 'head-1' });
    expect(written.artifacts.find((a) => a.path === 'diff.patch')?.kind).toBe('diff');
  });

  it('never lists manifest.json itself, and sealing twice changes no hash', () => {
    provenEvidence();
    const first = sealManifest(dir, 't-seal');
    const second = sealManifest(dir, 't-seal');
    expect(second.artifacts).toEqual(first.artifacts);
    expect(second.artifacts.some((a) => a.path === MANIFEST || a.path.endsWith('.tmp'))).toBe(false);
    expect(second.ticketId).toBe('t-seal');
  });

  it('seals a directory that had no manifest yet', () => {
    writeFileSync(path.join(dir, 'transcript.jsonl'), line({ kind: 'note', text: 'ended' }));
    const m = sealManifest(dir, 't-seal');
    expect(m.ticketId).toBe('t-seal');
    expect(m.artifacts.map((a) => [a.path, a.kind])).toEqual([['transcript.jsonl', 'transcript']]);
    for (const a of onDisk(m)) expect(a).toEqual({ path: a.path, sha256: true, bytes: true });
  });
});
