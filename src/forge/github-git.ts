/**
 * Git commands against GitHub with a credential that exists only for the one command: the token
 * travels as an `http.<url>.extraHeader` set through GIT_CONFIG_COUNT/KEY/VALUE in the child's
 * environment, so it is in no argv, no git config file, no remote URL and no log. Children get a
 * minimal environment (none of the worker's secrets) and hooks are off, because the worktree's
 * contents are untrusted.
 */
import { CodedError, ErrorCode } from '../core/errors.ts';
import { registerSecret } from '../core/redact.ts';
import { git } from './git.ts';

export { git, type GitResult, type GitRunOptions } from './git.ts';

export interface GitIdentity {
  name: string;
  email: string;
}

/**
 * Environment that authenticates git over HTTP(S) to `url` for one command. The header is scoped
 * to the URL so a redirect elsewhere does not carry it. Non-HTTP URLs (file, ssh) need nothing.
 */
export function gitAuthEnv(url: string, token: string | undefined): Record<string, string> {
  if (!token || !/^https?:\/\//i.test(url)) return {};
  registerSecret(token);
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  registerSecret(basic);
  const scope = new URL(url);
  return {
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: `http.${scope.origin}/.extraHeader`,
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
  };
}

export function identityEnv(id: GitIdentity): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: id.name,
    GIT_AUTHOR_EMAIL: id.email,
    GIT_COMMITTER_NAME: id.name,
    GIT_COMMITTER_EMAIL: id.email,
  };
}

export const TICKET_TRAILER = 'Loopwright-Ticket';

export function commitMessage(title: string, summary: string, ticketId: string): string {
  const body = summary.trim() ? `\n\n${summary.trim()}` : '';
  return `${title.trim().split('\n')[0]}${body}\n\n${TICKET_TRAILER}: ${ticketId}\n`;
}

/** The ticket id in a commit's trailer, if any. */
export async function ticketOfCommit(
  cwd: string,
  rev: string,
  env: Record<string, string> = {},
): Promise<string | undefined> {
  const { stdout } = await git(['log', '-1', `--format=%(trailers:key=${TICKET_TRAILER},valueonly)`, rev], {
    cwd,
    env,
  });
  return stdout.trim().split('\n')[0] || undefined;
}

export interface CommitInput {
  worktree: string;
  ticketId: string;
  title: string;
  summary: string;
  author: GitIdentity;
}

/**
 * Commits everything in the worktree as the bot. When nothing is staged and HEAD already carries
 * this ticket's trailer, a previous attempt committed it: that commit is returned.
 */
export async function commitWorktree(input: CommitInput): Promise<string> {
  const cwd = input.worktree;
  await git(['add', '-A'], { cwd });
  const staged = await git(['diff', '--cached', '--quiet'], { cwd, okCodes: [1] });
  if (staged.code === 0) {
    if ((await ticketOfCommit(cwd, 'HEAD')) === input.ticketId) return headOf(cwd);
    throw new CodedError(ErrorCode.PublishFailed, 'nothing to commit: the worktree has no changes', {
      hint: 'the agent finished without changing any file',
    });
  }
  await git(['commit', '--no-verify', '--no-gpg-sign', '-q', '-F', '-'], {
    cwd,
    env: identityEnv(input.author),
    input: commitMessage(input.title, input.summary, input.ticketId),
  });
  return headOf(cwd);
}

export async function headOf(cwd: string): Promise<string> {
  return (await git(['rev-parse', 'HEAD'], { cwd })).stdout.trim();
}

/** The sha of `ref` on the remote, if it exists (ls-remote's output is machine-readable). */
export async function remoteRef(
  url: string,
  ref: string,
  env: Record<string, string>,
  cwd?: string,
): Promise<string | undefined> {
  const { stdout } = await git(['ls-remote', url, ref], { env, cwd });
  const line = stdout.split('\n').find((l) => l.endsWith(`\t${ref}`));
  return line?.split('\t')[0] || undefined;
}

export interface PushOutcome {
  /** False when the remote ref was rejected (non-fast-forward, stale lease). */
  ok: boolean;
  /** The porcelain status flag of our ref: ' ' fast-forward, '+' forced, '*' new, '=' up to date, '!' rejected. */
  flag: string;
}

/** `git push --porcelain`; a rejected ref is an outcome, any other failure throws. */
export async function pushRef(
  url: string,
  src: string,
  dst: string,
  opts: { cwd?: string; env: Record<string, string>; lease?: string },
): Promise<PushOutcome> {
  const args = ['push', '--porcelain'];
  if (opts.lease !== undefined) args.push(`--force-with-lease=${dst}:${opts.lease}`);
  args.push(url, `${src}:${dst}`);
  const result = await git(args, { cwd: opts.cwd, env: opts.env, okCodes: [1] });
  // Porcelain: "<flag>\t<from>:<to>\t<summary>" per ref, between "To <url>" and "Done".
  const line = result.stdout.split('\n').find((l) => l.split('\t')[1]?.endsWith(`:${dst}`));
  const flag = line?.[0] ?? '';
  if (result.code !== 0 && flag !== '!') {
    throw new CodedError(ErrorCode.PublishFailed, `git push failed: ${result.stderr.trim().slice(-800)}`, {
      hint: 'check that the token may push to the repository (contents:write)',
      retryable: true,
    });
  }
  return { ok: flag !== '!', flag };
}
