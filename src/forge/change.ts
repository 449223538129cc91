/**
 * A ticket's change as the one commit a forge publishes: the commit of exactly the proven tree, its
 * message with the ticket and attempt trailers, and what a branch head already on the forge means
 * for publishing. Commits are only ever read from a trusted git dir (the sandbox's mirror or the
 * local forge repo), never through a worktree, whose git metadata the agent could have written.
 */
import { CodedError, ErrorCode } from '../core/errors.ts';
import { commitTree } from '../sandbox/tree.ts';
import { git, type GitAuthor } from './git.ts';
import type { PublishChange } from './types.ts';

export const TICKET_TRAILER = 'Loopwright-Ticket';
export const ATTEMPT_TRAILER = 'Loopwright-Attempt';

export interface ChangeMessage {
  title: string;
  summary: string;
  ticketId: string;
  attempt: number;
}

/** Title line, summary, then the trailers as the last paragraph (where nothing else can go). */
export function commitMessage(m: ChangeMessage): string {
  const body = m.summary.trim() ? `\n\n${m.summary.trim()}` : '';
  const trailers = `${TICKET_TRAILER}: ${m.ticketId}\n${ATTEMPT_TRAILER}: ${m.attempt}\n`;
  return `${m.title.trim().split('\n')[0]}${body}\n\n${trailers}`;
}

/** The commit of `change.tree` on `change.parent`, written into `change.gitDir`. */
export function commitChange(
  change: PublishChange,
  message: ChangeMessage,
  author: GitAuthor,
): Promise<string> {
  return commitTree(change.gitDir, {
    tree: change.tree,
    parent: change.parent,
    message: commitMessage(message),
    author,
  });
}

/** A branch head as read from a trusted git dir. */
export interface BranchHead {
  sha: string;
  tree: string;
  /** First parent; absent for a root commit. */
  parent?: string;
  ticketId?: string;
  /** Absent on commits made before attempts were recorded: older than any attempt. */
  attempt?: number;
}

/**
 * Reads a commit's tree, parent and trailers with `cat-file` (no pretty-format or trailer
 * heuristics): the trailers are `Key: value` lines of the message's last paragraph.
 */
export async function readHead(gitDir: string, sha: string): Promise<BranchHead> {
  const raw = (await git(['cat-file', 'commit', sha], { gitDir })).stdout;
  const split = raw.indexOf('\n\n');
  const headers = (split < 0 ? raw : raw.slice(0, split)).split('\n');
  const message = split < 0 ? '' : raw.slice(split + 2);
  const header = (key: string) => headers.find((l) => l.startsWith(`${key} `))?.slice(key.length + 1);
  const last =
    message
      .trimEnd()
      .split(/\n\s*\n/)
      .pop() ?? '';
  const trailer = (key: string) =>
    last
      .split('\n')
      .find((l) => l.startsWith(`${key}: `))
      ?.slice(key.length + 2)
      .trim();
  const attempt = Number(trailer(ATTEMPT_TRAILER));
  return {
    sha,
    tree: header('tree') ?? '',
    ...(header('parent') ? { parent: header('parent') } : {}),
    ...(trailer(TICKET_TRAILER) ? { ticketId: trailer(TICKET_TRAILER) } : {}),
    ...(Number.isInteger(attempt) && attempt > 0 ? { attempt } : {}),
  };
}

/**
 * What a branch head already on the forge means for this ticket's attempt:
 * - `stale`: a later attempt of this ticket published; this one must not overwrite it;
 * - `adopt`: this ticket already published exactly this tree (a worker died after pushing);
 * - `replace`: an earlier (or the same) attempt of this ticket published another tree on a parent
 *   this change already contains, so replacing it loses nothing but that attempt;
 * - `foreign`: anything else, e.g. someone else pushed to the branch.
 */
export type HeadVerdict = 'stale' | 'adopt' | 'replace' | 'foreign';

export async function judgeHead(
  gitDir: string,
  head: BranchHead,
  mine: { ticketId: string; attempt: number; change: PublishChange },
): Promise<HeadVerdict> {
  if (head.ticketId !== mine.ticketId) return 'foreign';
  if ((head.attempt ?? 0) > mine.attempt) return 'stale';
  if (head.tree === mine.change.tree) return 'adopt';
  if (!head.parent) return 'foreign';
  if (head.parent === mine.change.parent) return 'replace';
  const contained = await git(['merge-base', '--is-ancestor', head.parent, mine.change.parent], {
    gitDir,
    // 128: the remote's parent is not even in the trusted git dir, so not in this change either.
    okCodes: [1, 128],
  });
  return contained.code === 0 ? 'replace' : 'foreign';
}

/** The error for a branch that holds a later attempt of the same ticket. */
export function staleAttempt(branch: string, head: BranchHead, attempt: number): CodedError {
  return new CodedError(
    ErrorCode.StaleAttempt,
    `the branch ${branch} holds attempt ${head.attempt} of this ticket; attempt ${attempt} is stale`,
    { hint: 'a later attempt of the ticket already published; this one stops without changing the branch' },
  );
}
