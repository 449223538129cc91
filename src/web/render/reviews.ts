/** The ticket page's reviewers table: the general reviewer and each owner, with verdicts and cost. */
import { standing, VERDICT_WORDS } from '../../core/reviews.ts';
import type { ReviewComment, ReviewerVerdict } from '../../core/ticket.ts';
import { html, type SafeHtml } from '../html.ts';
import { formatCost, formatDuration, formatTokens } from './format.ts';

/** Review comments as a list, each with the path and line it names. */
export function renderComments(comments: readonly ReviewComment[]): SafeHtml | string {
  if (!comments.length) return '';
  return html`<ul class="comments">
    ${comments.map((c) => html`<li>${c.path ? html`<code>${c.path}${c.line ? `:${c.line}` : ''}</code> ` : ''}${c.body}</li>`)}
  </ul>`;
}

export function renderReviewers(reviews: readonly ReviewerVerdict[]): SafeHtml {
  const rows = standing(reviews);
  const spent = (name: string) => reviews.filter((r) => r.reviewer === name);
  return html`<table class="reviewers">
    <thead>
      <tr>
        <th>Reviewer</th>
        <th>Required</th>
        <th>Verdict</th>
        <th>Rounds</th>
        <th>Tokens</th>
        <th>Cost</th>
        <th>Time</th>
        <th>Comments</th>
      </tr>
    </thead>
    <tbody>
      ${rows.map((r) => {
        const all = spent(r.reviewer);
        const tokens = all.reduce(
          (n, e) => n + (e.usage ? e.usage.promptTokens + e.usage.completionTokens : 0),
          0,
        );
        const priced = all.filter((e) => e.usage?.costUsd !== undefined);
        const cost = priced.length ? priced.reduce((n, e) => n + (e.usage?.costUsd ?? 0), 0) : undefined;
        const ms = all.reduce((n, e) => n + (e.durationMs ?? 0), 0);
        return html`<tr class="verdict-${r.verdict}">
          <td>${r.reviewer}</td>
          <td>${r.required ? 'yes' : 'no'}</td>
          <td><b>${VERDICT_WORDS[r.verdict]}</b></td>
          <td>${String(r.rounds)}</td>
          <td>${formatTokens(tokens)}</td>
          <td>${formatCost(cost)}</td>
          <td>${formatDuration(ms)}</td>
          <td>${renderComments(r.comments)}</td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}
