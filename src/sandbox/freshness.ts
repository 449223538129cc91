/**
 * Whether the app a sandbox runs may be older than the agent's last edit. Dev servers reload on
 * save; many apps do not (Flask outside debug mode caches its templates, a production server loads
 * its code once), and then the browser shows the old page while the agent believes its edit is
 * live. The newest edit to a file the app may serve — anything in the worktree but dependencies,
 * generated paths, tests and docs — is compared with the app's start.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_GENERATED } from './generated.ts';
import type { Sandbox } from './types.ts';

/** Directories never walked: git's, dependencies and generated directories. */
const SKIP_DIRS = new Set([
  '.git',
  '.venv',
  ...DEFAULT_GENERATED.filter((g) => g.endsWith('/') && !/[*?[]/.test(g)).map((g) => g.slice(0, -1)),
]);
/** Files that do not change what the app serves. */
const NOT_SERVED = [/(^|\/)(tests?|__tests__|spec)\//, /\.(test|spec)\.[cm]?[jt]sx?$/, /(^|\/)test_[^/]*\.py$/, /_test\.py$/, /\.md$/i];
const MAX_ENTRIES = 20_000;

export interface Edit {
  /** Repo-relative path. */
  path: string;
  mtimeMs: number;
}

/** The most recently modified file the app may serve (bounded walk; symlinks are not followed). */
export function newestEdit(root: string): Edit | undefined {
  let newest: Edit | undefined;
  let seen = 0;
  const walk = (dir: string, rel: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (++seen > MAX_ENTRIES) return;
      const relPath = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) walk(path.join(dir, e.name), relPath);
        continue;
      }
      if (!e.isFile() || NOT_SERVED.some((re) => re.test(relPath))) continue;
      try {
        const mtimeMs = statSync(path.join(dir, e.name)).mtimeMs;
        if (!newest || mtimeMs > newest.mtimeMs) newest = { path: relPath, mtimeMs };
      } catch {
        /* removed meanwhile */
      }
    }
  };
  walk(root, '');
  return newest;
}

/** The note for a page loaded from an app started before `edit`. */
export function staleNote(edit: Edit, startedAt: number): string {
  const after = Math.max(1, Math.round((edit.mtimeMs - startedAt) / 1000));
  return (
    `Note: the app was started before your last edit (${edit.path}, ${after} s later). ` +
    'If the app does not reload by itself (Flask outside debug mode, a production server, cached templates), ' +
    'this page is still the old version: call restart_app to pick the edit up.'
  );
}

/**
 * For the browser tools: a note when the sandbox's app is older than the newest edit, said once
 * per edit (a second look at the same edit needs no second reminder).
 */
export function appFreshness(sandbox: Pick<Sandbox, 'worktree' | 'app'>): () => string | undefined {
  let noted = 0;
  return () => {
    const startedAt = sandbox.app.startedAt;
    if (startedAt === undefined) return undefined;
    const edit = newestEdit(sandbox.worktree);
    if (!edit || edit.mtimeMs <= startedAt || edit.mtimeMs === noted) return undefined;
    noted = edit.mtimeMs;
    return staleNote(edit, startedAt);
  };
}
