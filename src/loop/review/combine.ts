/**
 * How reviewers' verdicts combine into the ticket's one verdict, and what the coder is told: every
 * required reviewer approves → approved; any required reviewer rejects → rejected, naming who and
 * why; otherwise the requests for changes go back as one message grouped by reviewer. A reviewer
 * that is not required is recorded but never blocks.
 */
import type { ReviewComment, ReviewerVerdict, ReviewVerdict } from '../../core/ticket.ts';
import { quoteUntrusted } from '../prompts.ts';

export interface Combined {
  verdict: ReviewVerdict;
  /** Every reviewer's comments, each body led by the reviewer's name. */
  comments: ReviewComment[];
  /** The required reviewers that decided a reject or a request for changes. */
  by: ReviewerVerdict[];
}

/** Combines each reviewer's latest verdict. */
export function combine(latest: ReviewerVerdict[]): Combined {
  const required = latest.filter((e) => e.required);
  const comments = latest.flatMap((e) =>
    e.comments.map((c) => ({ ...c, body: `[${e.reviewer}] ${c.body}` })),
  );
  const rejects = required.filter((e) => e.verdict === 'reject');
  if (rejects.length) return { verdict: 'reject', comments, by: rejects };
  const changes = required.filter((e) => e.verdict === 'request_changes');
  if (changes.length) return { verdict: 'request_changes', comments, by: changes };
  return { verdict: 'approve', comments, by: [] };
}

const line = (c: ReviewComment) => `- ${c.path ? `${c.path}${c.line ? `:${c.line}` : ''}: ` : ''}${c.body}`;
const label = (e: ReviewerVerdict) => `${e.reviewer}${e.required ? '' : ' (advisory: not required)'}`;

/** Why the ticket is rejected: who rejected and what they said. */
export function rejectionMessage(by: ReviewerVerdict[]): string {
  const parts = by.map(
    (e) =>
      `${e.reviewer} rejected the change: ${e.comments.map((c) => c.body).join(' ') || 'no reason given'}`,
  );
  return parts.join('; ');
}

/** The one message to the coder: every request for changes of this round, grouped by reviewer. */
export function feedbackMessage(round: ReviewerVerdict[]): string {
  const asking = round.filter((e) => e.verdict === 'request_changes');
  const groups = asking.map((e) =>
    [`### ${label(e)}`, ...(e.comments.length ? e.comments.map(line) : ['- (no comments)'])].join('\n'),
  );
  const names = asking.map((e) => e.reviewer).join(', ');
  return [
    `The reviewers requested changes (${names}). Address every comment, prove the result again with submit_verification, then finish. Those reviewers review again, and so does any reviewer whose files you change.`,
    '',
    quoteUntrusted('review comments, by reviewer', groups.join('\n\n') || '(no comments)'),
  ].join('\n');
}
