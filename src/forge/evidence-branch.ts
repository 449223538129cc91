/**
 * Evidence that PR readers can open: screenshots, GIF, video and manifest are committed to the
 * orphan branch `loopwright-evidence` of the target repo under `<ticket id>/`, and linked where
 * GitHub serves them to anyone who can read the repo (`blob/...?raw=true` for inline images).
 *
 * The commit is built with git plumbing in a temporary bare repository — the ticket's worktree is
 * never touched, so no evidence file can land in the PR's diff. A root `index.json` records when
 * each ticket's evidence was published, which `pruneEvidence` uses to drop old directories.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CodedError, ErrorCode } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { findSecrets } from '../core/redact.ts';
import { commitTree } from '../sandbox/tree.ts';
import { git, pushCommit, remoteRef, type GitIdentity, type GitRunOptions } from './github-git.ts';

export const EVIDENCE_BRANCH = 'loopwright-evidence';
const REF = `refs/heads/${EVIDENCE_BRANCH}`;
/** Default size cap per ticket. */
export const DEFAULT_EVIDENCE_CAP_BYTES = 25 * 1024 * 1024;
/** GitHub rejects files over 100 MB in a push. */
const GITHUB_FILE_LIMIT = 100 * 1024 * 1024;
const PUSH_ATTEMPTS = 3;

export interface EvidenceTarget {
  /** Git URL of the target repo. */
  url: string;
  authEnv: Record<string, string>;
  /** `https://github.com/owner/repo` (or the GHE equivalent): base of the links. */
  repoWebUrl: string;
  author: GitIdentity;
  log: Logger;
}

export interface EvidencePublication {
  /** Relative path → URL, for every file published. */
  urls: Record<string, string>;
  /** Files left out, with why (size cap, GitHub's file limit, a secret found in a text file). */
  skipped: { path: string; reason: string }[];
  commit: string;
}

interface IndexFile {
  tickets: Record<string, { publishedAt: string; files: string[]; skipped: string[] }>;
}

const IMAGE = /\.(png|gif|jpe?g|webp|svg)$/i;
const TEXT = /\.(json|jsonl|txt|patch|md|html|log)$/i;

/** Lower goes first when the cap is tight: what a reviewer looks at first. */
function priority(rel: string): number {
  const name = rel.toLowerCase();
  if (name.endsWith('manifest.json')) return 0;
  if (name.endsWith('.gif')) return 1;
  if (IMAGE.test(name)) return 2;
  if (name.startsWith('head') && name.endsWith('.webm')) return 3;
  if (name.endsWith('.webm') || name.endsWith('.mp4')) return 4;
  if (name.endsWith('trace.zip')) return 9;
  return 5;
}

/** The URL GitHub serves a file of the evidence branch at: raw for images (inline), else the blob page. */
export function evidenceUrl(repoWebUrl: string, ticketId: string, rel: string): string {
  const file = [ticketId, ...rel.split('/')].map(encodeURIComponent).join('/');
  const blob = `${repoWebUrl}/blob/${EVIDENCE_BRANCH}/${file}`;
  return IMAGE.test(rel) ? `${blob}?raw=true` : blob;
}

export interface SelectedFiles {
  keep: { rel: string; size: number }[];
  skipped: { path: string; reason: string }[];
}

/** Chooses files within the cap, by priority then size; anything that does not fit is reported. */
export async function selectEvidence(dir: string, files: string[], capBytes: number): Promise<SelectedFiles> {
  const sized: { rel: string; size: number }[] = [];
  const skipped: SelectedFiles['skipped'] = [];
  for (const rel of files) {
    const normal = path.posix.normalize(rel.split(path.sep).join('/'));
    if (normal.startsWith('../') || path.isAbsolute(normal)) {
      skipped.push({ path: rel, reason: 'outside the evidence directory' });
      continue;
    }
    const full = path.join(dir, normal);
    const info = await stat(full).catch(() => undefined);
    if (!info?.isFile()) {
      skipped.push({ path: rel, reason: 'missing' });
      continue;
    }
    if (TEXT.test(normal) && findSecrets(await readFile(full, 'utf8')).length > 0) {
      skipped.push({ path: rel, reason: 'looks like it contains a secret' });
      continue;
    }
    sized.push({ rel: normal, size: info.size });
  }
  sized.sort((a, b) => priority(a.rel) - priority(b.rel) || a.size - b.size);
  const keep: SelectedFiles['keep'] = [];
  let total = 0;
  for (const file of sized) {
    if (file.size > GITHUB_FILE_LIMIT)
      skipped.push({ path: file.rel, reason: 'over GitHub’s 100 MB file limit' });
    else if (total + file.size > capBytes)
      skipped.push({ path: file.rel, reason: `over the ${Math.round(capBytes / 1048576)} MB evidence cap` });
    else {
      keep.push(file);
      total += file.size;
    }
  }
  return { keep, skipped };
}

/**
 * Where evidence commands run: a scratch bare repository the worker created (holding the evidence
 * branch's tip, shallow) with a private index, and the credentials for the target.
 */
interface Scratch extends GitRunOptions {
  gitDir: string;
  indexFile: string;
  env: Record<string, string>;
}

/** A scratch repository for `fn`, removed afterwards. */
async function withScratch<T>(
  target: EvidenceTarget,
  fn: (where: Scratch, tip?: string) => Promise<T>,
): Promise<T> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'loopwright-evidence-'));
  try {
    await git(['init', '-q', '--bare', scratch]);
    const where = { gitDir: scratch, indexFile: path.join(scratch, 'evidence-index'), env: target.authEnv };
    const tip = await remoteRef(target.url, REF, where);
    if (tip)
      await git(['fetch', '-q', '--no-tags', '--no-write-fetch-head', '--depth=1', target.url, REF], where);
    return await fn(where, tip);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Root tree entries of a commit ("<mode> <type> <sha>\t<name>" lines). */
async function rootEntries(where: Scratch, tip: string | undefined): Promise<string[]> {
  if (!tip) return [];
  const { stdout } = await git(['ls-tree', tip], where);
  return stdout.split('\n').filter(Boolean);
}

async function readIndex(where: Scratch, tip: string | undefined): Promise<IndexFile> {
  if (!tip) return { tickets: {} };
  const found = await git(['cat-file', '-p', `${tip}:index.json`], { ...where, okCodes: [128] });
  if (found.code !== 0) return { tickets: {} };
  try {
    return JSON.parse(found.stdout) as IndexFile;
  } catch {
    return { tickets: {} };
  }
}

async function blobOf(where: Scratch, content: string): Promise<string> {
  return (await git(['hash-object', '-w', '--stdin'], { ...where, input: content })).stdout.trim();
}

async function rootTree(where: Scratch, entries: string[], index: IndexFile): Promise<string> {
  const indexBlob = await blobOf(where, `${JSON.stringify(index, null, 2)}\n`);
  const lines = [
    ...entries.filter((l) => l.split('\t')[1] !== 'index.json'),
    `100644 blob ${indexBlob}\tindex.json`,
  ];
  return (await git(['mktree'], { ...where, input: `${lines.join('\n')}\n` })).stdout.trim();
}

/** Publishes a ticket's evidence files (relative to `dir`) and returns their URLs. */
export async function publishEvidenceBranch(
  target: EvidenceTarget,
  ticketId: string,
  dir: string,
  files: string[],
  capBytes = DEFAULT_EVIDENCE_CAP_BYTES,
): Promise<EvidencePublication> {
  if (!/^[\w.-]+$/.test(ticketId)) throw new CodedError(ErrorCode.BadRequest, `unsafe ticket id ${ticketId}`);
  const { keep, skipped } = await selectEvidence(dir, files, capBytes);
  for (const s of skipped)
    target.log.warn({ ticketId, file: s.path, reason: s.reason }, 'evidence file not published');
  for (let attempt = 1; ; attempt++) {
    const result = await withScratch(target, async (where, tip) => {
      // The ticket's subtree, from a scratch index.
      await git(['read-tree', '--empty'], where);
      const shas = (
        await git(['hash-object', '-w', '--no-filters', '--stdin-paths'], {
          ...where,
          input: keep.map((f) => path.join(dir, f.rel)).join('\n'),
        })
      ).stdout
        .trim()
        .split('\n');
      const info = keep.map((f, i) => `100644 ${shas[i]}\t${f.rel}`).join('\n');
      if (keep.length) await git(['update-index', '--add', '--index-info'], { ...where, input: `${info}\n` });
      const subtree = (await git(['write-tree'], where)).stdout.trim();

      const index = await readIndex(where, tip);
      index.tickets[ticketId] = {
        publishedAt: new Date().toISOString(),
        files: keep.map((f) => f.rel),
        skipped: skipped.map((s) => s.path),
      };
      const entries = (await rootEntries(where, tip)).filter((l) => l.split('\t')[1] !== ticketId);
      entries.push(`040000 tree ${subtree}\t${ticketId}`);
      const tree = await rootTree(where, entries, index);
      const commit = await commitTree(where.gitDir, {
        tree,
        parent: tip,
        message: `Evidence for ${ticketId}`,
        author: target.author,
      });
      const pushed = await pushCommit({
        gitDir: where.gitDir,
        commit,
        remoteUrl: target.url,
        branch: EVIDENCE_BRANCH,
        env: where.env,
      });
      return pushed.ok ? commit : undefined;
    });
    if (result) {
      const urls: Record<string, string> = {};
      for (const f of keep) urls[f.rel] = evidenceUrl(target.repoWebUrl, ticketId, f.rel);
      return { urls, skipped, commit: result };
    }
    // Another worker published in between: rebuild on the new tip.
    if (attempt >= PUSH_ATTEMPTS) {
      throw new CodedError(ErrorCode.PublishFailed, `could not update ${EVIDENCE_BRANCH}: it kept moving`, {
        hint: 'many workers are publishing evidence at once; retry the ticket',
        retryable: true,
      });
    }
  }
}

/**
 * Rewrites the evidence branch as a new orphan commit without the directories of tickets published
 * more than `olderThanDays` ago (so their blobs can be garbage-collected). Returns the ids removed.
 * Directories the index does not know are kept.
 */
export async function pruneEvidenceBranch(
  target: EvidenceTarget,
  olderThanDays: number,
  now = Date.now(),
): Promise<string[]> {
  const cutoff = now - olderThanDays * 86_400_000;
  return withScratch(target, async (where, tip) => {
    if (!tip) return [];
    const index = await readIndex(where, tip);
    const removed = Object.entries(index.tickets)
      .filter(([, t]) => Date.parse(t.publishedAt) < cutoff)
      .map(([id]) => id);
    if (removed.length === 0) return [];
    for (const id of removed) delete index.tickets[id];
    const entries = (await rootEntries(where, tip)).filter((l) => !removed.includes(l.split('\t')[1] ?? ''));
    const tree = await rootTree(where, entries, index);
    const commit = await commitTree(where.gitDir, {
      tree,
      message: `Evidence pruned: older than ${olderThanDays} days`,
      author: target.author,
    });
    const pushed = await pushCommit({
      gitDir: where.gitDir,
      commit,
      remoteUrl: target.url,
      branch: EVIDENCE_BRANCH,
      env: where.env,
      lease: tip,
    });
    if (!pushed.ok) {
      throw new CodedError(ErrorCode.PublishFailed, `${EVIDENCE_BRANCH} moved while pruning`, {
        hint: 'run the prune again',
        retryable: true,
      });
    }
    target.log.info({ removed: removed.length }, 'old evidence pruned');
    return removed;
  });
}
