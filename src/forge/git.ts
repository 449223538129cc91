/**
 * The git plumbing shared by the local and GitHub forges: commit a worktree's changes and push a
 * branch. Credentials reach git only as environment for the one command that needs them, never in
 * a remote URL written to config or in the sandbox. Children get a minimal environment (none of
 * the worker's secrets), and hooks and fsmonitor are off, because the worktree's contents are
 * untrusted.
 */
import { spawn } from 'node:child_process';
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
  cwd?: string;
  /** Killed after this long; default 2 minutes. */
  timeoutMs?: number;
  /** Extra environment (credentials, GIT_DIR, GIT_INDEX_FILE, identity). */
  env?: Record<string, string>;
  input?: string;
  /** Exit codes that are answers, not failures (e.g. 1 for `diff --quiet`). */
  okCodes?: number[];
}

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The only variables a git child inherits; notably not GITHUB_TOKEN, SLACK_*, OPENAI_* or DATABASE_URL. */
const PASS_ENV = [
  'PATH',
  'HOME',
  'LANG',
  'LC_ALL',
  'TMPDIR',
  'SSH_AUTH_SOCK',
  'GIT_SSH_COMMAND',
  // Reaching GitHub Enterprise from behind a proxy or with a private CA.
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'NO_PROXY',
  'no_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'GIT_SSL_CAINFO',
];

/** Options that keep untrusted repo content from running code or prompting during our git calls. */
const SAFE_ARGS = [
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'credential.helper=',
  '-c',
  'core.fsmonitor=false',
  '-c',
  'core.pager=cat',
  '-c',
  'commit.gpgsign=false',
];

export async function git(args: string[], opts: GitRunOptions = {}): Promise<GitResult> {
  const env: Record<string, string> = { GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true', SSH_ASKPASS: 'true' };
  for (const key of PASS_ENV) if (process.env[key] !== undefined) env[key] = process.env[key] as string;
  // Plain, untranslated messages: the same git output on every worker.
  Object.assign(env, { LC_ALL: 'C' }, opts.env);
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...SAFE_ARGS, ...args], {
      cwd: opts.cwd,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 120_000,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (error) =>
      reject(
        new CodedError(ErrorCode.PublishFailed, `git could not start: ${error.message}`, {
          hint: 'install git',
        }),
      ),
    );
    child.on('close', (code) => {
      const result = {
        code: code ?? -1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: redact(Buffer.concat(err).toString('utf8')),
      };
      if (result.code === 0 || opts.okCodes?.includes(result.code)) resolve(result);
      else
        reject(
          new CodedError(
            ErrorCode.PublishFailed,
            `git ${args[0]} failed (exit ${result.code}): ${result.stderr.trim().slice(-800)}`,
          ),
        );
    });
    // A git that exits without reading its input must not crash the worker with EPIPE.
    child.stdin?.on('error', () => {});
    child.stdin?.end(opts.input);
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
