/**
 * The git plumbing shared by the local and GitHub forges, on the one git runner
 * (src/sandbox/git.ts: trusted git dir, pinned config, no hooks, fsmonitor or filters). Forges
 * never commit a worktree: the pipeline hands them a commit of the proven tree, made in the
 * trusted git dir, and they push exactly that sha. Credentials reach git only as environment for
 * the one command that needs them, never in a remote URL written to config or in the sandbox.
 */
import { CodedError, ErrorCode } from '../core/errors.ts';
import { git as runGit, type GitResult, type GitRunOptions } from '../sandbox/git.ts';
import { identityEnv } from '../sandbox/tree.ts';

export type { GitResult, GitRunOptions } from '../sandbox/git.ts';

export interface GitAuthor {
  name: string;
  email: string;
}

/** The one git runner, failing with publish_failed. */
export function git(args: string[], opts: GitRunOptions = {}): Promise<GitResult> {
  return runGit(args, { errorCode: ErrorCode.PublishFailed, ...opts });
}

/**
 * Stages everything in a directory the worker created itself (importing the bundled app into a new
 * forge repo) and commits it. Never used on a sandbox's worktree.
 */
export async function commitAll(dir: string, opts: { message: string; author: GitAuthor }): Promise<string> {
  const where = { gitDir: `${dir}/.git`, workTree: dir };
  await git(['add', '-A'], where);
  await git(['commit', '--no-verify', '-q', '--allow-empty', '-m', opts.message], {
    ...where,
    env: identityEnv(opts.author),
  });
  return (await git(['rev-parse', 'HEAD'], where)).stdout.trim();
}

export interface PushCommitInput {
  /** The trusted git dir that holds the commit. */
  gitDir: string;
  commit: string;
  remoteUrl: string;
  branch: string;
  /** Credentials for this one command (e.g. GIT_CONFIG_COUNT/KEY/VALUE with an http.extraheader). */
  env?: Record<string, string>;
  /** Replace the branch only if it still points here ('' = only if it does not exist yet). */
  lease?: string;
  /** Replace whatever the branch holds (the local forge, whose branches only Loopwright writes). */
  force?: boolean;
  timeoutMs?: number;
}

export interface PushOutcome {
  /** False when the remote ref was rejected (non-fast-forward, stale lease). */
  ok: boolean;
  /** The porcelain status flag of our ref: ' ' fast-forward, '+' forced, '*' new, '=' up to date, '!' rejected. */
  flag: string;
}

/** `git push --porcelain <sha>:refs/heads/<branch>`; a rejected ref is an outcome, any other failure throws. */
export async function pushCommit(input: PushCommitInput): Promise<PushOutcome> {
  const dst = `refs/heads/${input.branch}`;
  const args = ['push', '--porcelain', '--no-verify'];
  if (input.lease !== undefined) args.push(`--force-with-lease=${dst}:${input.lease}`);
  else if (input.force) args.push('--force');
  args.push(input.remoteUrl, `${input.commit}:${dst}`);
  const result = await git(args, {
    gitDir: input.gitDir,
    env: input.env,
    okCodes: [1],
    timeoutMs: input.timeoutMs,
  });
  // Porcelain: "<flag>\t<from>:<to>\t<summary>" per ref, between "To <url>" and "Done".
  const line = result.stdout.split('\n').find((l) => l.split('\t')[1]?.endsWith(`:${dst}`));
  const flag = line?.[0] ?? '';
  if (result.code !== 0 && flag !== '!') {
    throw new CodedError(ErrorCode.PublishFailed, `git push failed: ${result.stderr.trim().slice(-800)}`, {
      hint: 'check that the credentials may push to the repository (contents:write)',
      retryable: true,
    });
  }
  return { ok: flag !== '!', flag };
}
