/**
 * Pushing a ticket branch, including when the remote branch moved under us:
 * - it holds an earlier attempt of this same ticket (a worker died after pushing): replace it, with
 *   a lease on the sha we saw, so a concurrent push by someone else is never clobbered;
 * - it already contains an equivalent change: adopt the remote state, nothing to push;
 * - someone else pushed to it (or an earlier ticket of a follow-up chain did): rebase our one
 *   commit onto it and push once more, or stop with PublishFailed and a hint.
 */
import { CodedError, ErrorCode } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { git, headOf, identityEnv, pushRef, ticketOfCommit, type GitIdentity } from './github-git.ts';

export interface PushBranchInput {
  worktree: string;
  url: string;
  branch: string;
  ticketId: string;
  /** Credentials for this push only (see gitAuthEnv). */
  authEnv: Record<string, string>;
  author: GitIdentity;
  log: Logger;
}

export interface PushBranchResult {
  sha: string;
  /** How the push went: a new or fast-forwarded branch, a replaced earlier attempt, a rebase, or nothing to do. */
  via: 'push' | 'replaced' | 'rebased' | 'up-to-date';
}

export async function pushBranch(input: PushBranchInput): Promise<PushBranchResult> {
  const { worktree: cwd, url, authEnv, log } = input;
  const dst = `refs/heads/${input.branch}`;
  const first = await pushRef(url, 'HEAD', dst, { cwd, env: authEnv });
  if (first.ok) return { sha: await headOf(cwd), via: first.flag === '=' ? 'up-to-date' : 'push' };

  // Rejected: see what the remote branch holds now.
  await git(['fetch', '--no-tags', '-q', url, dst], { cwd, env: authEnv });
  const remote = (await git(['rev-parse', 'FETCH_HEAD'], { cwd })).stdout.trim();
  const remoteTicket = await ticketOfCommit(cwd, remote);
  log.info({ branch: input.branch, remoteTicket }, 'push rejected; the remote branch moved');

  // Our patch is already there (same change pushed before the worker died): adopt the remote.
  const cherry = await git(['cherry', remote, 'HEAD', 'HEAD~1'], { cwd });
  if (cherry.stdout.trim().startsWith('-')) {
    await git(['reset', '-q', '--hard', remote], { cwd });
    return { sha: remote, via: 'up-to-date' };
  }

  // An earlier attempt of this very ticket, on the same base: ours supersedes it.
  const remoteParent = (await git(['rev-parse', `${remote}~1`], { cwd, okCodes: [128] })).stdout.trim();
  const ourParent = (await git(['rev-parse', 'HEAD~1'], { cwd })).stdout.trim();
  if (remoteTicket === input.ticketId && remoteParent === ourParent) {
    const forced = await pushRef(url, 'HEAD', dst, { cwd, env: authEnv, lease: remote });
    if (forced.ok) return { sha: await headOf(cwd), via: 'replaced' };
  } else {
    const rebased = await git(['rebase', '-q', '--onto', remote, 'HEAD~1'], {
      cwd,
      env: identityEnv(input.author),
      okCodes: [1, 128],
    });
    if (rebased.code !== 0) {
      await git(['rebase', '--abort'], { cwd, okCodes: [1, 128] });
      throw new CodedError(
        ErrorCode.PublishFailed,
        `the branch ${input.branch} moved on GitHub and this change does not apply on top of it`,
        {
          hint: 'someone pushed conflicting commits to the branch; resolve on the PR, or retry the ticket from the new branch state',
        },
      );
    }
    const again = await pushRef(url, 'HEAD', dst, { cwd, env: authEnv });
    if (again.ok) return { sha: await headOf(cwd), via: 'rebased' };
  }
  throw new CodedError(ErrorCode.PublishFailed, `the branch ${input.branch} kept moving while pushing`, {
    hint: 'someone is pushing to the branch at the same time; retry the ticket',
    retryable: true,
  });
}
