/**
 * Trees in a trusted git dir: what a worktree holds turned into a tree id (a snapshot), a tree
 * turned back into files (a clean checkout), the diff between two trees and a commit of exactly
 * one tree. Every call goes through the one git runner (git.ts) with a private index, so nothing
 * the agent wrote into the worktree's git metadata is read, and no other index is touched.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { git, gitOut } from './git.ts';

/** A worktree's content at one moment: its tree id and the diff against the base commit. */
export interface Snapshot {
  tree: string;
  /** `git diff --binary <base> <tree>`: what the guardrails and the reviewer see. */
  diff: string;
}

/** A temporary index under `scratch`, removed after `fn`. */
async function withIndex<T>(scratch: string, fn: (indexFile: string) => Promise<T>): Promise<T> {
  mkdirSync(scratch, { recursive: true });
  const indexFile = path.join(scratch, `snap-${process.pid}-${randomBytes(4).toString('hex')}.index`);
  try {
    return await fn(indexFile);
  } finally {
    rmSync(indexFile, { force: true });
    rmSync(`${indexFile}.lock`, { force: true });
  }
}

/**
 * The tree of everything in `workTree` that a commit would hold: tracked and untracked files, with
 * the repo's own `.gitignore` files applied (the same rules the commit uses, because the commit is
 * of this very tree) and Loopwright's `excludesFile` of generated paths (generated.ts). Starting
 * from `start`'s tree keeps the hashing to files that changed.
 */
export async function snapshotTree(
  gitDir: string,
  workTree: string,
  start: string,
  scratch: string,
  excludesFile?: string,
): Promise<string> {
  return withIndex(scratch, async (indexFile) => {
    const o = { gitDir, workTree, indexFile, excludesFile };
    await git(['read-tree', start], o);
    await git(['add', '--all', '--', ':/'], o);
    return (await gitOut(['write-tree'], o)).trim();
  });
}

/** The binary diff between two trees or commits, without textconv or external drivers. */
export function diffTrees(gitDir: string, from: string, to: string): Promise<string> {
  return gitOut(['diff', '--binary', '--no-ext-diff', '--no-textconv', '--no-renames', from, to, '--'], { gitDir });
}

/** Snapshot plus its diff against `base`. */
export async function snapshot(
  gitDir: string,
  workTree: string,
  opts: { start: string; base: string; scratch: string; excludesFile?: string },
): Promise<Snapshot> {
  const tree = await snapshotTree(gitDir, workTree, opts.start, opts.scratch, opts.excludesFile);
  return { tree, diff: await diffTrees(gitDir, opts.base, tree) };
}

/** Writes the files of `treeish` into the empty or absent directory `dir` (no `.git` there). */
export async function checkoutTree(gitDir: string, treeish: string, dir: string, scratch: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await withIndex(scratch, async (indexFile) => {
    await git(['read-tree', '--reset', '-u', treeish], { gitDir, workTree: dir, indexFile });
  });
}

/** The tree id of a commit. */
export async function treeOf(gitDir: string, commit: string): Promise<string> {
  return (await gitOut(['rev-parse', '--verify', `${commit}^{tree}`], { gitDir })).trim();
}

export interface CommitTreeInput {
  tree: string;
  /** Absent: a root commit (a new orphan branch). */
  parent?: string;
  message: string;
  author: { name: string; email: string };
}

/** The variables that make `author` the author and committer of one git command's commits. */
export function identityEnv(author: { name: string; email: string }): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: author.name,
    GIT_COMMITTER_EMAIL: author.email,
  };
}

/** A commit of exactly `tree` on `parent`, written into the trusted git dir; returns its sha. */
export async function commitTree(gitDir: string, input: CommitTreeInput): Promise<string> {
  const parents = input.parent ? ['-p', input.parent] : [];
  const out = await gitOut(['commit-tree', input.tree, ...parents, '-F', '-'], {
    gitDir,
    env: identityEnv(input.author),
    input: input.message,
  });
  return out.trim();
}

/**
 * `tree` with one more regular file at `rel` (replacing one there), written into the trusted git
 * dir; returns the new tree's id. Nothing is read from any worktree.
 */
export async function addFileToTree(
  gitDir: string,
  tree: string,
  file: { path: string; content: string },
  scratch: string,
): Promise<string> {
  const blob = (await gitOut(['hash-object', '-w', '--stdin'], { gitDir, input: file.content })).trim();
  return withIndex(scratch, async (indexFile) => {
    await git(['read-tree', tree], { gitDir, indexFile });
    await git(['update-index', '--add', '--cacheinfo', `100644,${blob},${file.path}`], { gitDir, indexFile });
    return (await gitOut(['write-tree'], { gitDir, indexFile })).trim();
  });
}

/**
 * `treeish` with a patch (`git diff` output) applied, written into the trusted git dir; returns
 * the new tree's id. Applied to a private index only: no worktree is read or written. A patch that
 * does not apply throws (`git apply` says which hunk).
 */
export async function applyPatchToTree(
  gitDir: string,
  treeish: string,
  patch: string,
  scratch: string,
): Promise<string> {
  return withIndex(scratch, async (indexFile) => {
    await git(['read-tree', treeish], { gitDir, indexFile });
    await git(['apply', '--cached', '--whitespace=nowarn', '-'], { gitDir, indexFile, input: patch });
    return (await gitOut(['write-tree'], { gitDir, indexFile })).trim();
  });
}
