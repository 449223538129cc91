/** Records and canned replies of the fake GitHub (kept apart so the server file stays about behaviour). */

export interface FakeCall {
  operationId: string;
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  /** Date.now() on arrival. */
  at: number;
}

export interface FakePull {
  number: number;
  node_id: string;
  title: string;
  body: string;
  head: string;
  base: string;
  draft: boolean;
  state: 'open' | 'closed';
  labels: string[];
  reviewers: string[];
}

export interface FakeComment {
  id: number;
  issue_number: number;
  body: string;
  login: string;
  type: 'User' | 'Bot';
  author_association: string;
  created_at: string;
  updated_at: string;
}

/** A pull request review as the fake stored it; `comments` sit on lines of the PR's diff. */
export interface FakeReview {
  id: number;
  pull_number: number;
  commit_id?: string;
  event?: string;
  body: string;
  comments: { path: string; line: number; side: string; body: string }[];
}

export interface FakeReply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export const secondaryRateLimit = (retryAfterSeconds: number): FakeReply => ({
  status: 403,
  headers: { 'retry-after': String(retryAfterSeconds), 'x-ratelimit-remaining': '4999' },
  body: {
    message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
    documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
  },
});

export const primaryRateLimit = (resetInSeconds: number): FakeReply => ({
  status: 403,
  headers: {
    'x-ratelimit-remaining': '0',
    'x-ratelimit-limit': '5000',
    'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + resetInSeconds),
  },
  body: { message: 'API rate limit exceeded', documentation_url: 'https://docs.github.com/rest' },
});

export const serverError = (status = 502): FakeReply => ({ status, body: { message: 'Server Error' } });

/** An open PR from `head` into main with Loopwright's label, as a publish leaves it. */
export function loopwrightPull(
  number: number,
  head: string,
  title: string,
  nodeId = `PR_${number}`,
): FakePull {
  return {
    number,
    node_id: nodeId,
    title,
    body: '',
    head,
    base: 'main',
    draft: false,
    state: 'open',
    labels: ['loopwright'],
    reviewers: [],
  };
}
