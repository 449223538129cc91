/**
 * Each reviewer's comments as a pull request review (`pulls.createReview`), attributed in its body
 * to the reviewer it came from. A comment naming a line of the diff lands on that line; any other
 * comment goes in the review's body, since GitHub refuses a review comment off the diff (422). The
 * reviews are `COMMENT`s: the verdicts already decided whether the PR opened, and GitHub does not
 * let a PR's author approve or request changes on it. Posting is a courtesy: a refusal is logged.
 */
import type { Logger } from '../core/log.ts';
import { redact } from '../core/redact.ts';
import { VERDICT_WORDS } from '../core/reviews.ts';
import type { ReviewComment, ReviewerVerdict } from '../core/ticket.ts';
import { asGitHubError, statusOf, type GitHubOctokit, type RepoCoords } from './github-client.ts';

/** Lines of the new side of each file that a diff shows (added or context): where comments may go. */
export function commentableLines(diff: string): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  let lines: Set<number> | undefined;
  let next = 0;
  for (const line of diff.split('\n')) {
    if (line.startsWith('diff --git ')) lines = undefined;
    else if (line.startsWith('+++ ')) {
      const file = line.slice(4).replace(/^b\//, '');
      lines = file === '/dev/null' ? undefined : new Set();
      if (lines) out.set(file, lines);
    } else if (line.startsWith('@@')) {
      next = Number(/\+(\d+)/.exec(line)?.[1] ?? 0);
    } else if (lines && (line.startsWith('+') || line.startsWith(' '))) {
      lines.add(next++);
    }
  }
  return out;
}

export interface ReviewRequest {
  body: string;
  comments: { path: string; line: number; side: 'RIGHT'; body: string }[];
}

/** The review request for one reviewer's verdict, or undefined when it has nothing to say. */
export function reviewRequest(
  r: ReviewerVerdict,
  lines: Map<string, Set<number>>,
): ReviewRequest | undefined {
  if (!r.comments.length) return undefined;
  const onDiff = (c: ReviewComment) =>
    c.path !== undefined && c.line !== undefined && lines.get(c.path)?.has(c.line);
  const placed = r.comments.filter(onDiff);
  const rest = r.comments.filter((c) => !onDiff(c));
  const head = `**${r.reviewer}** (${r.required ? 'required' : 'not required'}) — ${VERDICT_WORDS[r.verdict]}, round ${r.round}`;
  const restLines = rest.map(
    (c) => `- ${c.path ? `\`${c.path}${c.line ? `:${c.line}` : ''}\`: ` : ''}${c.body}`,
  );
  return {
    body: redact([head, ...(restLines.length ? ['', ...restLines] : [])].join('\n')),
    comments: placed.map((c) => ({
      path: c.path!,
      line: c.line!,
      side: 'RIGHT',
      body: redact(`**${r.reviewer}**: ${c.body}`),
    })),
  };
}

export async function postReviews(
  octokit: GitHubOctokit,
  coords: RepoCoords,
  input: { number: number; commit: string; diff: string; reviews: ReviewerVerdict[] },
  log: Logger,
): Promise<number> {
  const lines = commentableLines(input.diff);
  let posted = 0;
  for (const r of input.reviews) {
    const req = reviewRequest(r, lines);
    if (!req) continue;
    try {
      await octokit.rest.pulls.createReview({
        ...coords,
        pull_number: input.number,
        commit_id: input.commit,
        event: 'COMMENT',
        body: req.body,
        comments: req.comments,
      });
      posted++;
    } catch (error) {
      const coded = asGitHubError(error, `posting ${r.reviewer}'s review on PR #${input.number}`);
      log.warn({ status: statusOf(error), code: coded.code, reviewer: r.reviewer }, coded.message);
    }
  }
  return posted;
}
