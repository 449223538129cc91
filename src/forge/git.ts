/**
 * The git plumbing shared by the local and GitHub forges: commit a worktree's changes and push a
 * branch. Credentials reach git only as environment for the one command that needs them, never in
 * a remote URL written to config or in the sandbox. Repo hooks never run in the worker.
 */
import { execFile } from 'node:child_process';
import { CodedError, ErrorCode } from '../core/errors.ts';
import { redact } from '../core/redact.ts';

export interface GitAuthor {
  name: string;
  email: string;
}

export interface CommitOptions {
  message: string;
  author: GitAuthor;
  /** Added as git trailers, e.g. `{ 'Loopwright-Ticket': 't_…' }`. */
  trailers?: Record<string, string>;
}

export interface CommitResult {
  /** The HEAD commit after committing (the existing HEAD when there was nothing to commit). */
  sha: string;
  /** False when the worktree had no changes. */
  committed: boolean;
}

export interface GitRunOptions {
  cwd: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Exit codes that are answers rather than failures (e.g. 1 for `merge-base --is-ancestor`). */
  okCodes?: number[];
}

/** Config every worker-side git command gets: no hooks, no prompts, no pager. */
const SAFE_CONFIG = ['-c', 'core.hooksPath=/dev/null', '-c', 'core.pager=cat', '-c', 'commit.gpgsign=false'];

/** Runs git; throws a CodedError (PublishFailed) with git's redacted stderr when it fails. */
export function git(args: string[], opts: GitRunOptions): Promise<{ stdout: string; code: number }> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      [...SAFE_CONFIG, ...args],
      {
        cwd: opts.cwd,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...opts.env },
        timeout: opts.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        if (!error || opts.okCodes?.includes(code)) return resolve({ stdout, code });
        reject(
          new CodedError(
            ErrorCode.PublishFailed,
            `git ${args[0]} failed: ${redact(String(stderr || error.message)).trim()}`,
            {
              cause: error,
              retryable: true,
            },
          ),
        );
      },
    );
  });
}

/** Stages everything (respecting .gitignore) and commits it; a clean worktree commits nothing. */
export async function commitAll(worktree: string, opts: CommitOptions): Promise<CommitResult> {
  await git(['add', '-A'], { cwd: worktree });
  const staged = await git(['diff', '--cached', '--quiet'], { cwd: worktree, okCodes: [1] });
  if (staged.code === 1) {
    const trailerArgs = Object.entries(opts.trailers ?? {}).flatMap(([k, v]) => ['--trailer', `${k}: ${v}`]);
    const env = {
      GIT_AUTHOR_NAME: opts.author.name,
      GIT_AUTHOR_EMAIL: opts.author.email,
      GIT_COMMITTER_NAME: opts.author.name,
      GIT_COMMITTER_EMAIL: opts.author.email,
    };
    await git(['commit', '--no-verify', '-q', '-m', opts.message, ...trailerArgs], { cwd: worktree, env });
  }
  const sha = (await git(['rev-parse', 'HEAD'], { cwd: worktree })).stdout.trim();
  return { sha, committed: staged.code === 1 };
}

export interface PushOptions {
  /** A ticket's branch is owned by its ticket: a retried attempt replaces what a dead one pushed. */
  force?: boolean;
  timeoutMs?: number;
}

/**
 * Pushes HEAD to `branch` on `remoteUrl`. `env` carries credentials for this one command only
 * (e.g. GIT_CONFIG_COUNT/KEY/VALUE with an http.extraheader), so nothing is written to disk.
 */
export async function push(
  worktree: string,
  remoteUrl: string,
  branch: string,
  env: Record<string, string> = {},
  opts: PushOptions = {},
): Promise<void> {
  const args = ['push', '--no-verify', '-q'];
  if (opts.force ?? true) args.push('--force');
  args.push(remoteUrl, `HEAD:refs/heads/${branch}`);
  await git(args, { cwd: worktree, env, timeoutMs: opts.timeoutMs });
}

/** Credentials as env for one git command: an Authorization header, not a token in the URL. */
export function basicAuthEnv(token: string, user = 'x-access-token'): Record<string, string> {
  const basic = Buffer.from(`${user}:${token}`).toString('base64');
  return {
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.extraheader',
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
  };
}
