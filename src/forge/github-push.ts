/**
 * Pushing a ticket's commit (exactly the proven tree) to its branch on GitHub. A plain push creates
 * the branch or fast-forwards it; when GitHub rejects it, the remote branch is fetched into the
 * trusted git dir and judged (change.ts):
 * - it holds a later attempt of this ticket: stale_attempt, the branch is left alone;
 * - it already holds this ticket's tree (a worker died after pushing): adopt it, push nothing;
 * - it holds an earlier attempt of this ticket on a parent this change contains: replace it, with
 *   a lease on the sha just read, so a concurrent push by someone else is never clobbered;
 * - anything else (someone else pushed): publish_failed. The change is never rebased onto the new
 *   branch state, because a rebased tree is not the tree that was proven.
 */
import { CodedError, ErrorCode } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { judgeHead, readHead, staleAttempt } from './change.ts';
import { fetchRemoteBranch, pushCommit } from './github-git.ts';
import type { PublishChange } from './types.ts';

export interface PushChangeInput {
  change: PublishChange;
  /** Our commit of `change.tree` on `change.parent`, already in `change.gitDir`. */
  commit: string;
  url: string;
  branch: string;
  ticketId: string;
  attempt: number;
  /** Credentials for these commands only (see gitAuthEnv). */
  authEnv: Record<string, string>;
  log: Logger;
}

export interface PushChangeResult {
  /** The commit at the head of the branch now; its tree is `change.tree`. */
  sha: string;
  /** A new or fast-forwarded branch, a replaced earlier attempt, or nothing to do. */
  via: 'push' | 'replaced' | 'up-to-date';
}

export async function pushChange(input: PushChangeInput): Promise<PushChangeResult> {
  const { change, commit, url, branch, authEnv, log } = input;
  const push = (lease?: string) =>
    pushCommit({ gitDir: change.gitDir, commit, remoteUrl: url, branch, env: authEnv, lease });
  const first = await push();
  if (first.ok) return { sha: commit, via: first.flag === '=' ? 'up-to-date' : 'push' };

  const remote = await readHead(change.gitDir, await fetchRemoteBranch(change.gitDir, url, branch, authEnv));
  const verdict = await judgeHead(change.gitDir, remote, {
    ticketId: input.ticketId,
    attempt: input.attempt,
    change,
  });
  log.info(
    { branch, verdict, remoteTicket: remote.ticketId, remoteAttempt: remote.attempt },
    'push rejected; the remote branch moved',
  );
  switch (verdict) {
    case 'stale':
      throw staleAttempt(branch, remote, input.attempt);
    case 'adopt':
      return { sha: remote.sha, via: 'up-to-date' };
    case 'replace': {
      const forced = await push(remote.sha);
      if (forced.ok) return { sha: commit, via: 'replaced' };
      throw new CodedError(ErrorCode.PublishFailed, `the branch ${branch} kept moving while pushing`, {
        hint: 'someone is pushing to the branch at the same time; retry the ticket',
        retryable: true,
      });
    }
    case 'foreign':
      throw new CodedError(
        ErrorCode.PublishFailed,
        `the branch ${branch} moved on GitHub (now at ${remote.sha.slice(0, 12)}); the proven change was not pushed over it`,
        {
          hint: 'someone else pushed to the branch; the ticket must be retried from the new branch state (a rebased change would not be the one that was proven)',
        },
      );
  }
}
