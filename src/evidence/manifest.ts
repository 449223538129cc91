/**
 * The evidence directory's `manifest.json` (DESIGN.md §4): the plan, every run with its step
 * results, and every artifact with kind, relative path, sha256 and caption. Text artifacts are
 * redacted before they are hashed, so what the manifest vouches for is what gets published.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CodedError, ErrorCode } from '../core/errors.ts';
import type { ProofOutcomeKind } from '../core/events.ts';
import { redact } from '../core/redact.ts';
import type { VerificationPlan } from '../browser/plan.ts';
import type { PlanRun } from '../browser/types.ts';
import { redactZip } from './zip.ts';

export const MANIFEST = 'manifest.json';

export type ArtifactKind =
  | 'video'
  | 'gif'
  | 'poster'
  | 'step-screenshot'
  | 'before'
  | 'after'
  | 'trace'
  | 'test'
  | 'transcript'
  | 'diff'
  | 'other';

export interface EvidenceArtifact {
  kind: ArtifactKind;
  /** Relative to the evidence directory, with forward slashes. */
  path: string;
  sha256: string;
  bytes: number;
  caption?: string;
  /** The run it belongs to ('base', 'head-1', …), when it belongs to one. */
  run?: string;
  /** A screenshot that stayed a single colour after settling: flagged, never shown as evidence. */
  blank?: true;
}

export interface EvidenceManifest {
  version: 1;
  ticketId: string;
  createdAt: string;
  updatedAt: string;
  plan?: VerificationPlan;
  /** The trees the proof ran: the base commit's and the snapshotted change's (clean checkouts of both). */
  trees?: { base: string; head: string };
  outcome?: ProofOutcomeKind;
  feedback?: string;
  /** Runs with artifact paths relative to the directory. */
  runs: PlanRun[];
  artifacts: EvidenceArtifact[];
  /** What evidence cannot guarantee, said once (e.g. screenshots are not redacted). */
  notes: string[];
  /** Wall time of each part of the proof in ms (runs overlap: base beside head-1, the GIF beside head-2). */
  stages?: Record<string, number>;
  /** When the last rescan before publishing ran: every hash was taken from the files as published. */
  sealedAt?: string;
}

const TEXT_EXT = new Set([
  '.json',
  '.jsonl',
  '.patch',
  '.diff',
  '.ts',
  '.txt',
  '.md',
  '.yml',
  '.yaml',
  '.log',
  '.html',
]);

export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Kind of a file by its place in the layout of DESIGN.md §4. */
export function kindOf(rel: string): ArtifactKind {
  if (rel.startsWith('steps/')) return 'step-screenshot';
  if (rel.startsWith('before/')) return 'before';
  if (rel.startsWith('after/')) return 'after';
  if (rel.endsWith('.webm')) return 'video';
  if (rel.endsWith('.gif')) return 'gif';
  if (rel === 'poster.png') return 'poster';
  if (rel.endsWith('.zip')) return 'trace';
  if (rel.endsWith('.spec.ts')) return 'test';
  if (rel === 'transcript.jsonl') return 'transcript';
  if (rel === 'diff.patch') return 'diff';
  return 'other';
}

/** Regular files inside `dir`, relative, sorted; skips the manifest, partial files and links. */
function listFiles(dir: string, sub = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(dir, sub), { withFileTypes: true })) {
    const rel = sub ? `${sub}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!entry.name.endsWith('.parts')) out.push(...listFiles(dir, rel));
    } else if (entry.isFile() && rel !== MANIFEST && !rel.endsWith('.tmp')) out.push(rel);
  }
  return out.sort();
}

/**
 * Runs redaction over a text artifact in place (and over the text entries of a zip). Returns false
 * when a zip could not be checked: such a file is removed rather than published unchecked.
 */
export function redactArtifact(file: string): boolean {
  if (file.endsWith('.zip')) {
    if (redactZip(file, redact) !== undefined) return true;
    unlinkSync(file);
    return false;
  }
  if (!TEXT_EXT.has(path.extname(file))) return true;
  const text = readFileSync(file, 'utf8');
  const clean = redact(text);
  if (clean !== text) writeFileSync(file, clean);
  return true;
}

/** A run with its paths made relative to `dir`. */
export function relativeRun(run: PlanRun, dir: string): PlanRun {
  const rel = (p?: string) => (p && path.isAbsolute(p) ? path.relative(dir, p).split(path.sep).join('/') : p);
  return {
    ...run,
    ...(run.video ? { video: rel(run.video) } : {}),
    ...(run.trace ? { trace: rel(run.trace) } : {}),
    steps: run.steps.map((s) => ({ ...s, ...(s.screenshot ? { screenshot: rel(s.screenshot) } : {}) })),
  };
}

/** Writes manifest.json (redacted; through a rename, so a reader never sees half of it) and returns its path. */
export function writeManifest(dir: string, manifest: EvidenceManifest): string {
  const file = path.join(dir, MANIFEST);
  const body = {
    ...manifest,
    runs: manifest.runs.map((r) => relativeRun(r, dir)),
    updatedAt: new Date().toISOString(),
  };
  writeFileSync(file + '.tmp', redact(JSON.stringify(body, null, 2)) + '\n');
  renameSync(file + '.tmp', file);
  return file;
}

export function readManifest(dir: string): EvidenceManifest | undefined {
  const file = path.join(dir, MANIFEST);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as EvidenceManifest;
}

/**
 * Rescans the directory: redacts text artifacts (the transcript and the diff written by others
 * included), hashes every file, keeps kinds, captions and runs already known, and rewrites the
 * manifest. Call it after the last writer; safe to call again.
 */
export function finalizeManifest(dir: string, ticketId?: string): EvidenceManifest {
  const manifest = rescan(dir, ticketId);
  delete manifest.sealedAt;
  writeManifest(dir, manifest);
  return manifest;
}

/**
 * The last rescan before the evidence is published, once the transcript is closed and diff.patch
 * written: every artifact's sha256 and size are taken from the file as it is now, and `sealedAt`
 * records when. The manifest never lists itself. Anything written to `dir` afterwards is not
 * vouched for until the next seal.
 */
export function sealManifest(dir: string, ticketId: string): EvidenceManifest {
  const manifest = rescan(dir, ticketId);
  manifest.ticketId = ticketId;
  manifest.sealedAt = new Date().toISOString();
  writeManifest(dir, manifest);
  return manifest;
}

function rescan(dir: string, ticketId?: string): EvidenceManifest {
  const now = new Date().toISOString();
  const manifest: EvidenceManifest = readManifest(dir) ?? {
    version: 1,
    ticketId: ticketId ?? path.basename(dir),
    createdAt: now,
    updatedAt: now,
    runs: [],
    artifacts: [],
    notes: [],
  };
  const known = new Map(manifest.artifacts.map((a) => [a.path, a]));
  const artifacts: EvidenceArtifact[] = [];
  for (const rel of listFiles(dir)) {
    const abs = path.join(dir, rel);
    if (!redactArtifact(abs)) continue;
    const before = known.get(rel);
    // Hash and size from one read, so the two always describe the same bytes.
    const bytes = readFileSync(abs);
    artifacts.push({
      kind: before?.kind ?? kindOf(rel),
      path: rel,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      bytes: bytes.length,
      ...(before?.caption ? { caption: before.caption } : {}),
      ...(before?.run ? { run: before.run } : {}),
      ...(before?.blank ? { blank: true as const } : {}),
    });
  }
  manifest.artifacts = artifacts;
  return manifest;
}

/** `$LOOPWRIGHT_HOME/evidence/<ticket id>/` (DESIGN.md §4). */
export function evidenceDirFor(home: string, ticketId: string): string {
  if (!/^[\w.-]+$/.test(ticketId) || ticketId.startsWith('.')) {
    throw new CodedError(
      ErrorCode.BadRequest,
      `ticket id ${JSON.stringify(ticketId)} cannot name a directory`,
    );
  }
  return path.join(path.resolve(home), 'evidence', ticketId);
}
