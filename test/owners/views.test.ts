/**
 * The reviewers as people see them: a table on the ticket page (with each reviewer's tokens, cost
 * and time), one line per reviewer in the Slack thread, a table with comments in the PR body. Text
 * from reviewers is escaped in each medium.
 */
import { describe, expect, it } from 'vitest';
import { emptyUsage, type ReviewerVerdict, type Ticket } from '../../src/core/ticket.ts';
import { buildPrBody } from '../../src/forge/body.ts';
import { statusMessage } from '../../src/slack/blocks.ts';
import { renderTicketPage } from '../../src/web/render/ticket.ts';

const XSS = '<img src=x onerror=alert(1)>';
const usage = (n: number) => ({
  promptTokens: n,
  completionTokens: 10,
  cachedTokens: 0,
  costUsd: n / 100_000,
});
const REVIEWS: ReviewerVerdict[] = [
  {
    reviewer: 'general',
    required: true,
    round: 1,
    verdict: 'approve',
    comments: [],
    usage: usage(1000),
    durationMs: 1200,
  },
  {
    reviewer: 'ui-team',
    required: true,
    round: 1,
    verdict: 'request_changes',
    comments: [{ path: 'src/components/CellToolbar.tsx', line: 23, body: `No accessible name ${XSS}` }],
    usage: usage(2000),
    durationMs: 900,
  },
  {
    reviewer: 'docs-team',
    required: false,
    round: 1,
    verdict: 'reject',
    comments: [{ body: 'Keep internal names out of the README.' }],
    usage: usage(500),
    durationMs: 400,
  },
  {
    reviewer: 'ui-team',
    required: true,
    round: 2,
    verdict: 'approve',
    comments: [],
    usage: usage(1500),
    durationMs: 700,
  },
];

function ticket(over: Partial<Ticket> = {}): Ticket {
  const now = new Date().toISOString();
  return {
    id: 't_rev',
    status: 'pr_opened',
    stage: 'done',
    target: 'datadesk',
    request: {
      text: 'MEDIAN and a copy button',
      source: 'slack',
      requester: 'U1',
      slack: { channel: 'C1', ts: '1.2' },
    },
    pr: { url: 'http://forge/prs/1', number: 1, branch: 'b', draft: false },
    review: { verdict: 'approve', comments: [] },
    reviews: REVIEWS,
    usage: emptyUsage(),
    timings: {},
    attempts: 1,
    createdAt: now,
    updatedAt: now,
    ...over,
  };
}

describe('reviewers on the page, in Slack and in the PR', () => {
  it('the ticket page has a row per reviewer with its standing verdict, rounds and what it cost', () => {
    const page = renderTicketPage({
      ticket: ticket(),
      timeline: [],
      evidence: { screenshots: [], before: [], after: [] },
      now: Date.now(),
      nonce: 'n',
    });
    const table = page.slice(
      page.indexOf('<table class="reviewers">'),
      page.indexOf('</table>', page.indexOf('<table class="reviewers">')),
    );
    const rows = [
      ...table.matchAll(
        /<tr class="verdict-(\w+)">\s*<td>([^<]+)<\/td>\s*<td>(\w+)<\/td>\s*<td><b>([^<]+)<\/b><\/td>\s*<td>(\d+)<\/td>/g,
      ),
    ].map((m) => m.slice(1, 6));
    expect(rows).toEqual([
      ['approve', 'general', 'yes', 'approved', '1'],
      ['reject', 'docs-team', 'no', 'rejected', '1'],
      ['approve', 'ui-team', 'yes', 'approved', '2'],
    ]);
    expect(table).toContain('3.5k'); // ui-team's two rounds of tokens
    expect(page).not.toContain(XSS);
  });

  it('the Slack thread gets one short line per reviewer', () => {
    const text = JSON.stringify(statusMessage({ ticket: ticket(), ticketUrl: 'http://x/tickets/t_rev' }));
    expect(text).toContain(':white_check_mark: general: approved');
    expect(text).toContain(
      ':no_entry: docs-team (not required): rejected — Keep internal names out of the README.',
    );
    expect(text).toContain(':white_check_mark: ui-team: approved');
    expect(text).not.toContain('<img');
  });

  it('the PR body has the owners table and each reviewer’s comments', () => {
    const body = buildPrBody({ ticket: ticket(), reviews: REVIEWS, evidenceUrl: (p) => p });
    expect(body).toContain('| Reviewer | Required | Verdict | Rounds |');
    expect(body).toContain('| general | yes | ✅ approved | 1 |');
    expect(body).toContain('| docs-team | no | ⛔ rejected | 1 |');
    expect(body).toContain('| ui-team | yes | ✅ approved | 2 |');
    expect(body).toContain('**docs-team** (not required):\n- Keep internal names out of the README.');
  });
});
