/**
 * Views of a ticket's `reviews` shared by the PR body, the ticket page and the Slack thread: each
 * reviewer's standing verdict (its latest round), general reviewer first, then owners by name.
 */
import type { ReviewerVerdict } from './ticket.ts';

/** Each reviewer's latest verdict, with how many rounds it reviewed. */
export function standing(reviews: readonly ReviewerVerdict[]): (ReviewerVerdict & { rounds: number })[] {
  const latest = new Map<string, ReviewerVerdict & { rounds: number }>();
  for (const r of reviews) {
    const before = latest.get(r.reviewer);
    if (!before || r.round >= before.round)
      latest.set(r.reviewer, { ...r, rounds: (before?.rounds ?? 0) + 1 });
    else before.rounds++;
  }
  return [...latest.values()].sort((a, b) =>
    a.reviewer === 'general' ? -1 : b.reviewer === 'general' ? 1 : a.reviewer.localeCompare(b.reviewer),
  );
}

export const VERDICT_WORDS: Record<ReviewerVerdict['verdict'], string> = {
  approve: 'approved',
  request_changes: 'changes requested',
  reject: 'rejected',
};
