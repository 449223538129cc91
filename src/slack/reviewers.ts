/**
 * One short line per reviewer in the Slack thread (the general reviewer and each owner): its
 * standing verdict and the start of its first comment.
 */
import { standing, VERDICT_WORDS } from '../core/reviews.ts';
import type { Ticket } from '../core/ticket.ts';
import { excerpt } from './text.ts';

const EMOJI = { approve: ':white_check_mark:', request_changes: ':pencil2:', reject: ':no_entry:' } as const;

/** `escape` makes reviewer names and comments safe for mrkdwn. */
export function reviewerLines(ticket: Ticket, escape: (text: string) => string): string[] {
  return standing(ticket.reviews ?? []).map((r) => {
    const first = r.comments[0]?.body;
    const optional = r.required ? '' : ' (not required)';
    return `${EMOJI[r.verdict]} ${escape(r.reviewer)}${optional}: ${VERDICT_WORDS[r.verdict]}${first ? ` — ${escape(excerpt(first, 120))}` : ''}`;
  });
}
