/**
 * Follow-ups from a PR conversation: a comment that mentions the bot (`@loopwright make the button
 * blue`) on a PR of a Loopwright branch queues a follow-up ticket on the same branch (it updates
 * the same PR) and answers in the conversation. Shared by the webhook and the poller; exactly once
 * per comment through the store's source key. One handler serves one target: its config names the
 * GitHub repo the PR is in, and its client reads and answers there.
 */
import type { Config } from '../config/schema.ts';
import type { Logger } from '../core/log.ts';
import type { Ticket } from '../core/ticket.ts';
import type { TicketStore } from '../tickets/types.ts';
import { asGitHubError, createGitHubClient, type GitHubClient } from './github-client.ts';
import { commentOnPull } from './github-pr.ts';

export interface FollowUpDeps {
  config: Config;
  store: TicketStore;
  log: Logger;
  /** Made from config when absent. */
  client?: GitHubClient;
}

/** The fields of a GitHub issue comment this code reads (webhook payload and REST agree on them). */
export interface PullComment {
  id: number;
  body?: string | null;
  html_url: string;
  user: { login: string; type?: string } | null;
  author_association: string;
}

export type FollowUpOutcome =
  | { kind: 'submitted'; ticket: Ticket }
  | { kind: 'duplicate'; ticket: Ticket }
  | { kind: 'ignored'; reason: string };

/** Only people with write access to the repo may start work; anyone can comment on a public PR. */
const TRUSTED = new Set(['OWNER', 'MEMBER', 'COLLABORATOR']);
const BRANCH_PREFIX = 'loopwright/';

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function mentionRe(handle: string): RegExp {
  return new RegExp(`(^|[^\\w@/-])@${escapeRe(handle.replace(/^@/, ''))}(?![\\w-])`, 'i');
}

/** The request text of a mention: the comment without the mention, or undefined if not addressed to us. */
export function requestFromComment(body: string, handle: string): string | undefined {
  const re = mentionRe(handle);
  if (!re.test(body)) return undefined;
  const text = body.replace(new RegExp(re.source, 'gi'), '$1').replace(/\s+/g, ' ').trim();
  return text || undefined;
}

export function sourceKeyOf(commentId: number): string {
  return `github:comment:${commentId}`;
}

/** Ticket whose branch is `branch`: the newest with a PR on it, else the id in the branch name. */
async function ticketOfBranch(store: TicketStore, branch: string): Promise<Ticket | undefined> {
  const recent = await store.list({ limit: 500 });
  const onBranch = recent.find((t) => t.pr?.branch === branch);
  if (onBranch) return onBranch;
  const id = branch.slice(BRANCH_PREFIX.length).split('-')[0];
  return id ? store.get(id) : undefined;
}

export function followUpHandler(deps: FollowUpDeps) {
  const log = deps.log.child({ component: 'github-followup' });
  let client = deps.client;
  const getClient = () => (client ??= createGitHubClient({ config: deps.config, log }));
  const handle = deps.config.githubBotHandle.replace(/^@/, '');
  const headRefs = new Map<number, string>();

  async function headRef(number: number): Promise<string> {
    const known = headRefs.get(number);
    if (known) return known;
    const { octokit, coords } = getClient();
    try {
      const { data } = await octokit.rest.pulls.get({ ...coords, pull_number: number });
      headRefs.set(number, data.head.ref);
      return data.head.ref;
    } catch (error) {
      throw asGitHubError(error, `reading PR #${number}`);
    }
  }

  return async function handleComment(prNumber: number, comment: PullComment): Promise<FollowUpOutcome> {
    const login = comment.user?.login ?? '';
    const text = requestFromComment(comment.body ?? '', handle);
    if (!text) return { kind: 'ignored', reason: 'no mention' };
    if (
      comment.user?.type === 'Bot' ||
      login.toLowerCase() === handle.toLowerCase() ||
      login.endsWith('[bot]')
    ) {
      return { kind: 'ignored', reason: 'comment by a bot' };
    }
    if (!TRUSTED.has(comment.author_association)) {
      log.info(
        { login, association: comment.author_association },
        'mention by someone without write access ignored',
      );
      return { kind: 'ignored', reason: 'commenter lacks write access' };
    }
    const sourceKey = sourceKeyOf(comment.id);
    const seen = await deps.store.findBySourceKey(sourceKey);
    if (seen) return { kind: 'duplicate', ticket: seen };

    const branch = await headRef(prNumber);
    if (!branch.startsWith(BRANCH_PREFIX)) return { kind: 'ignored', reason: 'not a Loopwright branch' };
    const { octokit, coords } = getClient();
    const original = await ticketOfBranch(deps.store, branch);
    // A PR of this repo belongs to this target; a branch naming another target's ticket is not ours.
    if (original && original.target !== deps.config.target) {
      log.warn(
        { branch, target: original.target, repo: deps.config.githubRepo },
        'PR branch names a ticket of another target',
      );
      return { kind: 'ignored', reason: `the ticket behind ${branch} is on target ${original.target}` };
    }
    if (!original) {
      await commentOnPull(
        octokit,
        coords,
        prNumber,
        `I can't find the ticket behind \`${branch}\`, so I can't follow up here.`,
      );
      return { kind: 'ignored', reason: 'unknown ticket' };
    }
    const { ticket, created } = await deps.store.submit({
      request: {
        text,
        source: 'github',
        requester: login,
        sourceKey,
        followUpOf: original.id,
      },
      target: original.target,
    });
    if (!created) return { kind: 'duplicate', ticket };
    const page = deps.config.publicUrl
      ? ` — ${deps.config.publicUrl.replace(/\/+$/, '')}/tickets/${ticket.id}`
      : '';
    await commentOnPull(
      octokit,
      coords,
      prNumber,
      `On it, @${login}: follow-up ticket \`${ticket.id}\` is queued${page}. I'll update this PR when it's done.`,
    ).catch((error: unknown) => log.warn({ err: String(error) }, 'could not answer on the PR'));
    log.info(
      { ticketId: ticket.id, followUpOf: original.id, prNumber },
      'follow-up queued from a PR comment',
    );
    return { kind: 'submitted', ticket };
  };
}
