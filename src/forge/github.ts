/**
 * The GitHub forge: commits the proven tree as the bot in the trusted git dir, pushes exactly that
 * commit with a credential that lives only for that command, opens or updates the branch's one PR,
 * and publishes evidence to the `loopwright-evidence` branch. Follow-ups come back in through the
 * webhook or the poller.
 */
import type { Config } from '../config/schema.ts';
import { asCodedError, ErrorCode } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { PullRequestRef } from '../core/ticket.ts';
import { createGitHubClient, gitUrlFor, type GitHubClient } from './github-client.ts';
import { gfmProblems, githubEvidenceLinker } from './github-body.ts';
import { commitChange } from './change.ts';
import { gitAuthEnv } from './github-git.ts';
import { findOpenPull, upsertPullRequest } from './github-pr.ts';
import { pushChange } from './github-push.ts';
import { postReviews } from './github-reviews.ts';
import {
  DEFAULT_EVIDENCE_CAP_BYTES,
  publishEvidenceBranch,
  pruneEvidenceBranch,
  type EvidencePublication,
  type EvidenceTarget,
} from './evidence-branch.ts';
import type { Forge, PublishInput, PublishResult } from './types.ts';

export { githubEnabled, webUrlFor, gitUrlFor, createGitHubClient } from './github-client.ts';
export { mountGitHubWebhook, verifyWebhookSignature } from './github-webhook.ts';
export { startGitHubPoller, startGitHubPollers } from './github-poller.ts';
export { EVIDENCE_BRANCH, evidenceUrl } from './evidence-branch.ts';
export { gfmProblems, githubEvidenceLinker } from './github-body.ts';

export interface GitHubForgeOptions {
  config: Config;
  log: Logger;
  /** Evidence size cap per ticket; default 25 MB. */
  evidenceCapBytes?: number;
  /** A client to share (webhook, poller); made from config when absent. */
  client?: GitHubClient;
  /** Base wait of plugin-retry in ms (tests shorten it). */
  retryAfterBaseValue?: number;
}

/** The GitHub forge with its extras beyond the Forge port. */
export interface GitHubForge extends Forge {
  readonly kind: 'github';
  readonly client: GitHubClient;
  /** Like publishEvidence, also saying which files were skipped and why. */
  publishEvidenceDetailed(ticketId: string, dir: string, files: string[]): Promise<EvidencePublication>;
  /** Drops evidence of tickets published more than `olderThanDays` ago; returns their ids. */
  pruneEvidence(olderThanDays: number): Promise<string[]>;
  /** The `evidenceUrl` mapper for buildPrBody, from what publishEvidence returned. */
  evidenceLinker(ticketId: string, published: Record<string, string>): (relPath: string) => string;
  /**
   * Like gitEnv, with a fresh credential: with App auth the installation token is minted or
   * renewed first (gitEnv can only hand out the last one, and nothing before the first).
   */
  prepareGitEnv(): Promise<Record<string, string>>;
}

export function createGitHubForge(opts: GitHubForgeOptions): GitHubForge {
  const { config } = opts;
  const log = opts.log.child({ component: 'github' });
  const client =
    opts.client ?? createGitHubClient({ config, log, retryAfterBaseValue: opts.retryAfterBaseValue });
  const url = gitUrlFor(config);
  const author = { name: config.gitAuthorName, email: config.gitAuthorEmail };
  const repoWebUrl = `${client.webUrl}/${client.coords.owner}/${client.coords.repo}`;

  const evidenceTarget = async (): Promise<EvidenceTarget> => ({
    url,
    authEnv: gitAuthEnv(url, await client.gitToken()),
    repoWebUrl,
    author,
    log,
  });

  const forge: GitHubForge = {
    kind: 'github',
    client,
    cloneUrl: () => url,
    gitEnv: () => gitAuthEnv(url, client.cachedGitToken()),

    async publish(input: PublishInput): Promise<PublishResult> {
      const ticketId = input.ticket.id;
      const problems = gfmProblems(input.body);
      if (problems.length)
        log.warn({ ticketId, problems }, 'the PR body will not render as intended on GitHub');
      try {
        const authEnv = gitAuthEnv(url, await client.gitToken());
        const commit = await commitChange(
          input.change,
          {
            title: input.ticket.result?.title ?? input.title,
            summary: input.ticket.result?.summary ?? '',
            ticketId,
            attempt: input.attempt,
          },
          author,
        );
        const pushed = await pushChange({
          change: input.change,
          commit,
          url,
          branch: input.branch,
          ticketId,
          attempt: input.attempt,
          authEnv,
          log,
        });
        log.info({ ticketId, branch: input.branch, via: pushed.via }, 'branch pushed');
        const pr = await upsertPullRequest(
          client.octokit,
          client.coords,
          {
            branch: input.branch,
            base: input.baseBranch,
            title: input.title,
            body: input.body,
            draft: input.draft,
            reviewers: config.githubReviewers,
          },
          log,
        );
        log.info({ ticketId, number: pr.number, draft: pr.draft }, 'pull request ready');
        if (input.reviews?.length && input.diff !== undefined) {
          const reviews = { number: pr.number, commit: pushed.sha, diff: input.diff, reviews: input.reviews };
          await postReviews(client.octokit, client.coords, reviews, log);
        }
        return { ...pr, commit: pushed.sha };
      } catch (error) {
        throw asCodedError(error, ErrorCode.PublishFailed);
      }
    },

    async findPullRequest(branch: string): Promise<PullRequestRef | undefined> {
      const pr = await findOpenPull(client.octokit, client.coords, branch);
      return pr && { url: pr.html_url, number: pr.number, branch, draft: pr.draft === true };
    },

    async publishEvidence(ticketId: string, dir: string, files: string[]): Promise<Record<string, string>> {
      return (await forge.publishEvidenceDetailed(ticketId, dir, files)).urls;
    },

    async publishEvidenceDetailed(ticketId, dir, files) {
      return publishEvidenceBranch(
        await evidenceTarget(),
        ticketId,
        dir,
        files,
        opts.evidenceCapBytes ?? DEFAULT_EVIDENCE_CAP_BYTES,
      );
    },

    async pruneEvidence(olderThanDays: number): Promise<string[]> {
      return pruneEvidenceBranch(await evidenceTarget(), olderThanDays);
    },

    evidenceLinker: (ticketId, published) => githubEvidenceLinker(repoWebUrl, ticketId, published),

    prepareGitEnv: async () => gitAuthEnv(url, await client.gitToken()),
  };
  return forge;
}
