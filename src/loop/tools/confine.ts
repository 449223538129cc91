/**
 * Confines file tools to the worktree: absolute paths, `..` and symlinks that lead out are refused
 * with a reason, and so is `.git/`. Resolution uses fs.realpath on the deepest existing ancestor,
 * so a symlinked directory pointing outside is caught even when the final file does not exist yet.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';

export type Confined = { ok: true; abs: string; rel: string } | { ok: false; reason: string };

export async function confine(
  root: string,
  requested: string,
  opts: { readOnlyRoots?: string[] } = {},
): Promise<Confined> {
  const p = requested.trim() === '' ? '.' : requested.trim();
  if (path.isAbsolute(p)) {
    // Saved tool output may be read back by its absolute path, nothing else outside the worktree.
    for (const extra of opts.readOnlyRoots ?? []) {
      const real = await realpathOf(p);
      if (real && isInside(extra, real)) return { ok: true, abs: real, rel: p };
    }
    return {
      ok: false,
      reason: `${requested} is an absolute path; use a path relative to the repository root`,
    };
  }
  const joined = path.resolve(root, p);
  if (!isInside(root, joined))
    return { ok: false, reason: `${requested} leads outside the repository; use a path inside it` };
  const real = await realpathOf(joined);
  if (!real || !isInside(root, real))
    return { ok: false, reason: `${requested} resolves (through a symlink) outside the repository` };
  const rel = path.relative(root, joined).split(path.sep).join('/') || '.';
  if (rel === '.git' || rel.startsWith('.git/'))
    return { ok: false, reason: '.git is managed by Loopwright; work on files, not git internals' };
  return { ok: true, abs: joined, rel };
}

export const isInside = (root: string, p: string): boolean => {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/** Real path of `p`, resolving its deepest existing ancestor when `p` itself does not exist. */
async function realpathOf(p: string): Promise<string | undefined> {
  let current = p;
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(await realpath(current), ...rest);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
      const parent = path.dirname(current);
      if (parent === current) return undefined;
      rest.unshift(path.basename(current));
      current = parent;
    }
  }
}
