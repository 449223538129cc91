/**
 * The PR body's reviewers section: one row per reviewer (the general one and each owner) with
 * whether it must approve, its verdict and rounds, then each reviewer's comments.
 */
import { standing, VERDICT_WORDS } from '../core/reviews.ts';
import type { ReviewerVerdict } from '../core/ticket.ts';

const ICON: Record<ReviewerVerdict['verdict'], string> = {
  approve: '✅',
  request_changes: '✏️',
  reject: '⛔',
};
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();

export function reviewsSection(reviews: readonly ReviewerVerdict[]): string[] {
  const rows = standing(reviews);
  if (!rows.length) return [];
  const out = [
    '## Reviewers',
    '',
    '| Reviewer | Required | Verdict | Rounds |',
    '| --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${cell(r.reviewer)} | ${r.required ? 'yes' : 'no'} | ${ICON[r.verdict]} ${VERDICT_WORDS[r.verdict]} | ${r.rounds} |`,
    ),
    '',
  ];
  for (const r of rows.filter((x) => x.comments.length)) {
    out.push(`**${r.reviewer}**${r.required ? '' : ' (not required)'}:`);
    for (const c of r.comments) {
      const where = c.path ? `\`${c.path}${c.line ? `:${c.line}` : ''}\`: ` : '';
      out.push(`- ${where}${cell(c.body)}`);
    }
    out.push('');
  }
  return out;
}
