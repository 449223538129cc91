/**
 * Git against GitHub with a credential that exists only for the one command: the token travels as
 * an `http.<url>.extraHeader` set through GIT_CONFIG_COUNT/KEY/VALUE in the child's environment,
 * so it is in no argv, no git config file, no remote URL and no log. Every command runs on the one
 * git runner (forge/git.ts) in a trusted git dir: the sandbox's mirror for a ticket's change, a
 * scratch repository for the evidence branch.
 */
import { registerSecret } from '../core/redact.ts';
import { git, type GitAuthor } from './git.ts';

export { git, pushCommit, type GitResult, type GitRunOptions } from './git.ts';

export type GitIdentity = GitAuthor;

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

/** The sha of `ref` on the remote, if it exists (ls-remote's output is machine-readable). */
export async function remoteRef(
  url: string,
  ref: string,
  opts: { gitDir?: string; env: Record<string, string> },
): Promise<string | undefined> {
  const { stdout } = await git(['ls-remote', url, ref], opts);
  const line = stdout.split('\n').find((l) => l.endsWith(`\t${ref}`));
  return line?.split('\t')[0] || undefined;
}

/**
 * Fetches the remote `branch` into the trusted git dir under `refs/loopwright/remote/<branch>`
 * (never a ticket's worktree, never `refs/heads`) and returns its sha. FETCH_HEAD is not written,
 * so fetches by other workers sharing the mirror do not collide.
 */
export async function fetchRemoteBranch(
  gitDir: string,
  url: string,
  branch: string,
  env: Record<string, string>,
): Promise<string> {
  const local = `refs/loopwright/remote/${branch}`;
  await git(['fetch', '--no-tags', '--no-write-fetch-head', '-q', url, `+refs/heads/${branch}:${local}`], {
    gitDir,
    env,
  });
  return (await git(['rev-parse', '--verify', `${local}^{commit}`], { gitDir })).stdout.trim();
}
