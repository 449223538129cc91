/**
 * `pulls/create-review` as GitHub answers it: every line comment must sit on a line of the pull
 * request's diff (the new side: an added or context line), or the whole review is refused with 422
 * ("Pull request review thread line must be part of the diff"), and nothing is stored.
 */
import { execFileSync } from 'node:child_process';
import { commentableLines } from '../../../src/forge/github-reviews.ts';
import { overlay, skeleton, type Schema } from './openapi.ts';
import type { FakePull, FakeReply, FakeReview } from './types.ts';

export interface ReviewBody {
  commit_id?: string;
  body?: string;
  event?: string;
  comments?: { path: string; line?: number; position?: number; side?: string; body: string }[];
}

let nextReviewId = 5000;

/** The PR's diff in the bare repo: base...head (or base...commit_id), as GitHub shows it. */
function pullDiff(bareRepo: string, base: string, head: string): string {
  return execFileSync(
    'git',
    ['--git-dir', bareRepo, 'diff', '--no-renames', `refs/heads/${base}...${head}`],
    {
      encoding: 'utf8',
    },
  );
}

export function reviewReply(r: {
  pull: FakePull;
  body: ReviewBody;
  bareRepo?: string;
  reviews: FakeReview[];
  schema: Schema | undefined;
  user: unknown;
  urls: { api: string; web: string };
}): FakeReply {
  const comments = r.body.comments ?? [];
  if (comments.length && r.bareRepo) {
    const lines = commentableLines(
      pullDiff(r.bareRepo, r.pull.base, r.body.commit_id ?? `refs/heads/${r.pull.head}`),
    );
    const off = comments.filter((c) => c.line === undefined || !lines.get(c.path)?.has(c.line));
    if (off.length) {
      return {
        status: 422,
        body: {
          message: 'Unprocessable Entity',
          errors: off.map(
            (c) => `Pull request review thread line must be part of the diff (${c.path}:${c.line})`,
          ),
          documentation_url: 'https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request',
        },
      };
    }
  }
  const review: FakeReview = {
    id: nextReviewId++,
    pull_number: r.pull.number,
    ...(r.body.commit_id ? { commit_id: r.body.commit_id } : {}),
    ...(r.body.event ? { event: r.body.event } : {}),
    body: r.body.body ?? '',
    comments: comments.map((c) => ({
      path: c.path,
      line: c.line ?? 0,
      side: c.side ?? 'RIGHT',
      body: c.body,
    })),
  };
  r.reviews.push(review);
  const state =
    { APPROVE: 'APPROVED', REQUEST_CHANGES: 'CHANGES_REQUESTED' }[r.body.event ?? ''] ?? 'COMMENTED';
  return {
    status: 200,
    body: overlay(skeleton(r.schema), {
      id: review.id,
      node_id: `PRR_${review.id}`,
      user: r.user,
      body: review.body,
      state,
      html_url: `${r.urls.web}/pull/${r.pull.number}#pullrequestreview-${review.id}`,
      pull_request_url: `${r.urls.api}/pulls/${r.pull.number}`,
      commit_id: r.body.commit_id ?? null,
      author_association: 'NONE',
      _links: {
        html: { href: `${r.urls.web}/pull/${r.pull.number}#pullrequestreview-${review.id}` },
        pull_request: { href: `${r.urls.api}/pulls/${r.pull.number}` },
      },
    }),
  };
}
