/**
 * The two GraphQL mutations the forge uses (REST cannot change a PR's draft state):
 * `convertPullRequestToDraft` and `markPullRequestReadyForReview`, by the PR's node id.
 */
import type { FakePull, FakeReply } from './types.ts';

export function graphqlReply(
  pulls: FakePull[],
  body: { query?: string; variables?: Record<string, unknown> } | undefined,
  violations: string[],
): FakeReply {
  const query = body?.query ?? '';
  const mutation = /\b(convertPullRequestToDraft|markPullRequestReadyForReview)\b/.exec(query)?.[1];
  const id = body?.variables?.id;
  if (!mutation || typeof id !== 'string') {
    violations.push(`graphql: unsupported query ${query.slice(0, 80)}`);
    return {
      status: 200,
      body: { errors: [{ type: 'UNSUPPORTED', message: 'the fake does not support this query' }] },
    };
  }
  const pull = pulls.find((p) => p.node_id === id);
  if (!pull) {
    return {
      status: 200,
      body: {
        data: null,
        errors: [{ type: 'NOT_FOUND', message: `Could not resolve to a node with the global id of '${id}'` }],
      },
    };
  }
  pull.draft = mutation === 'convertPullRequestToDraft';
  return { status: 200, body: { data: { [mutation]: { pullRequest: { isDraft: pull.draft } } } } };
}
