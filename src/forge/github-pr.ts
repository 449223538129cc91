/**
 * Opening or updating the one pull request of a branch. Idempotent (STYLE.md 10): the open PR whose
 * head is the branch is looked up first; a 422 on create ("A pull request already exists", a race
 * with another worker or a retried ticket) is answered by looking it up again, never by a second PR.
 */
import type { Logger } from '../core/log.ts';
import { redact } from '../core/redact.ts';
import type { PullRequestRef } from '../core/ticket.ts';
import { asGitHubError, statusOf, type GitHubOctokit, type RepoCoords } from './github-client.ts';

export const LOOPWRIGHT_LABEL = 'loopwright';
/** GitHub refuses bodies over 65,536 characters. */
const MAX_BODY = 65_000;

export interface UpsertInput {
  branch: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
  reviewers: string[];
}

interface PullSummary {
  number: number;
  html_url: string;
  node_id: string;
  draft?: boolean;
  head: { ref: string };
}

const toRef = (pr: PullSummary, branch: string): PullRequestRef => ({
  url: pr.html_url,
  number: pr.number,
  branch,
  draft: pr.draft === true,
});

export async function findOpenPull(
  octokit: GitHubOctokit,
  coords: RepoCoords,
  branch: string,
): Promise<PullSummary | undefined> {
  try {
    const { data } = await octokit.rest.pulls.list({
      ...coords,
      head: `${coords.owner}:${branch}`,
      state: 'open',
      per_page: 10,
    });
    // `head` filtering is GitHub's; the ref check guards against a server that ignores it.
    return (data as PullSummary[]).find((pr) => pr.head.ref === branch);
  } catch (error) {
    throw asGitHubError(error, `looking up the PR of ${branch}`);
  }
}

export function fitBody(body: string): string {
  const clean = redact(body);
  if (clean.length <= MAX_BODY) return clean;
  return `${clean.slice(0, MAX_BODY)}\n\n…(truncated: GitHub limits PR bodies to 65,536 characters)\n`;
}

export async function upsertPullRequest(
  octokit: GitHubOctokit,
  coords: RepoCoords,
  input: UpsertInput,
  log: Logger,
): Promise<PullRequestRef> {
  const body = fitBody(input.body);
  const title = redact(input.title).slice(0, 250);
  let pr = await findOpenPull(octokit, coords, input.branch);
  let created = false;
  if (!pr) {
    try {
      const { data } = await octokit.rest.pulls.create({
        ...coords,
        head: input.branch,
        base: input.base,
        title,
        body,
        draft: input.draft,
        maintainer_can_modify: true,
      });
      pr = data as PullSummary;
      created = true;
    } catch (error) {
      if (statusOf(error) !== 422) throw asGitHubError(error, `opening a PR for ${input.branch}`);
      // Someone (another worker, an earlier attempt) opened it between our lookup and create.
      pr = await findOpenPull(octokit, coords, input.branch);
      if (!pr) throw asGitHubError(error, `opening a PR for ${input.branch}`);
      log.info({ number: pr.number }, 'PR already existed; updating it');
    }
  }
  if (!created) {
    try {
      const { data } = await octokit.rest.pulls.update({ ...coords, pull_number: pr.number, title, body });
      pr = { ...pr, ...(data as PullSummary) };
    } catch (error) {
      throw asGitHubError(error, `updating PR #${pr.number}`);
    }
    if (pr.draft !== input.draft) pr = { ...pr, draft: await setDraft(octokit, pr, input.draft, log) };
  }
  await bestEffort(log, `labelling PR #${pr.number}`, () =>
    octokit.rest.issues.addLabels({ ...coords, issue_number: pr.number, labels: [LOOPWRIGHT_LABEL] }),
  );
  if (created && input.reviewers.length > 0) {
    const users = input.reviewers.filter((r) => !r.includes('/'));
    const teams = input.reviewers.filter((r) => r.includes('/')).map((r) => r.split('/')[1] as string);
    await bestEffort(log, `requesting reviewers on PR #${pr.number}`, () =>
      octokit.rest.pulls.requestReviewers({
        ...coords,
        pull_number: pr.number,
        reviewers: users,
        ...(teams.length ? { team_reviewers: teams } : {}),
      }),
    );
  }
  return toRef(pr, input.branch);
}

/**
 * REST cannot flip a PR's draft state; GraphQL can. Failure leaves the state as it was (the PR
 * content is already updated) and is logged, since the body says whether the proof is complete.
 */
async function setDraft(
  octokit: GitHubOctokit,
  pr: PullSummary,
  draft: boolean,
  log: Logger,
): Promise<boolean> {
  const mutation = draft
    ? 'mutation($id: ID!) { convertPullRequestToDraft(input: {pullRequestId: $id}) { pullRequest { isDraft } } }'
    : 'mutation($id: ID!) { markPullRequestReadyForReview(input: {pullRequestId: $id}) { pullRequest { isDraft } } }';
  try {
    await octokit.graphql(mutation, { id: pr.node_id });
    return draft;
  } catch (error) {
    log.warn({ number: pr.number, status: statusOf(error) }, 'could not change the draft state of the PR');
    return pr.draft === true;
  }
}

/** Labels and reviewers are courtesy: a 422 (reviewer is the author, not a collaborator) must not fail the ticket. */
async function bestEffort(log: Logger, doing: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    const coded = asGitHubError(error, doing);
    if (coded.retryable && statusOf(error) === undefined) throw coded;
    log.warn({ status: statusOf(error), code: coded.code }, `GitHub refused ${doing}`);
  }
}

/** Posts a comment in the PR conversation. */
export async function commentOnPull(
  octokit: GitHubOctokit,
  coords: RepoCoords,
  number: number,
  body: string,
): Promise<void> {
  try {
    await octokit.rest.issues.createComment({ ...coords, issue_number: number, body: redact(body) });
  } catch (error) {
    throw asGitHubError(error, `commenting on PR #${number}`);
  }
}
