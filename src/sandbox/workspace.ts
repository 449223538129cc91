/**
 * The git side of a sandbox: one bare mirror per target repo (fetched, never re-cloned) and a
 * linked worktree per ticket. Remote branches land under `refs/remotes/origin/*` so a fetch never
 * touches the ticket branches that live in `refs/heads/*` of the mirror.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ErrorCode } from '../core/errors.ts';
import { gitOut } from './git.ts';
import { serialOn } from './serial.ts';

/** Git through the one runner (git.ts), with credentials the caller supplies for this call. */
export function git(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<string> {
  return gitOut(args, { ...opts, errorCode: ErrorCode.SandboxFailed });
}

/** The mirror directory for a repo URL or path: readable name plus a hash so two repos never collide. */
export function mirrorDirFor(home: string, repoUrl: string): string {
  const base = path.basename(repoUrl.replace(/\/+$/, '')).replace(/\.git$/, '').replace(/[^\w.-]/g, '_') || 'repo';
  const hash = createHash('sha256').update(repoUrl).digest('hex').slice(0, 10);
  return path.join(home, 'mirrors', `${base}-${hash}.git`);
}

/** Resolves a repo given as a local path to an absolute path; URLs pass through. */
export function normalizeRepoUrl(repoUrl: string): string {
  if (/^[\w+.-]+:\/\//.test(repoUrl) || /^[\w.-]+@[\w.-]+:/.test(repoUrl)) return repoUrl;
  return path.resolve(repoUrl);
}

export class Mirror {
  readonly dir: string;
  readonly repoUrl: string;
  private readonly gitEnv: () => Record<string, string>;
  private lastFetchAt = 0;

  constructor(home: string, repoUrl: string, gitEnv: () => Record<string, string> = () => ({})) {
    this.repoUrl = normalizeRepoUrl(repoUrl);
    this.dir = mirrorDirFor(home, this.repoUrl);
    this.gitEnv = gitEnv;
  }

  /** Runs git operations that move refs or worktrees of the mirror one at a time. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    return serialOn(this.dir, fn);
  }

  /**
   * Clones the mirror on first use, otherwise fetches. A fetch younger than `maxAgeMs` is reused
   * (claims from the pool should not wait on the network).
   */
  sync(maxAgeMs = 0): Promise<void> {
    return this.serial(async () => {
      if (existsSync(path.join(this.dir, 'HEAD'))) {
        if (Date.now() - this.lastFetchAt <= maxAgeMs) return;
        await git(['--git-dir', this.dir, 'fetch', '--prune', '--quiet', 'origin'], { env: this.gitEnv() });
      } else {
        mkdirSync(path.dirname(this.dir), { recursive: true });
        const tmp = `${this.dir}.tmp-${process.pid}-${Date.now()}`;
        await git(['init', '--bare', '--quiet', tmp]);
        await git(['--git-dir', tmp, 'remote', 'add', 'origin', this.repoUrl]);
        await git(['--git-dir', tmp, 'config', 'remote.origin.fetch', '+refs/heads/*:refs/remotes/origin/*']);
        await git(['--git-dir', tmp, 'fetch', '--quiet', 'origin'], { env: this.gitEnv() });
        try {
          // Another worker may have won the race; its mirror is as good as ours.
          await import('node:fs/promises').then((fs) => fs.rename(tmp, this.dir));
        } catch {
          rmSync(tmp, { recursive: true, force: true });
        }
      }
      this.lastFetchAt = Date.now();
    });
  }

  /** The commit a remote branch points at. */
  async commitOf(branch: string): Promise<string> {
    return (await git(['--git-dir', this.dir, 'rev-parse', '--verify', `refs/remotes/origin/${branch}^{commit}`])).trim();
  }

  /**
   * Adds a worktree detached at `start`. No ticket branch is checked out in the mirror: publishing
   * pushes a commit of the proven tree by its sha, so two sandboxes of one ticket (a paused worker
   * and the one that took over) never contend for a branch.
   */
  addWorktree(dir: string, start: string): Promise<void> {
    return this.serial(async () => {
      mkdirSync(path.dirname(dir), { recursive: true });
      await git(['--git-dir', this.dir, 'worktree', 'add', '--quiet', '--detach', dir, start]);
    });
  }

  /** Removes a worktree and its administrative files; tolerates a worktree already gone. */
  removeWorktree(dir: string): Promise<void> {
    return this.serial(async () => {
      if (existsSync(dir)) {
        await git(['--git-dir', this.dir, 'worktree', 'remove', '--force', '--force', dir]).catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      }
      await git(['--git-dir', this.dir, 'worktree', 'prune']).catch(() => undefined);
    });
  }
}
