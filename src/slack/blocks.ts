/**
 * The one status message of a ticket's Slack thread, as Block Kit: short lines that read on a
 * phone, a link to the ticket page, and at the end the PR, the proof, the evidence and the verdict,
 * or a failure in the requester's words with what to do next.
 */
import { ErrorCode } from '../core/errors.ts';
import type { Ticket } from '../core/ticket.ts';
import { reviewerLines } from './reviewers.ts';
import { excerpt } from './text.ts';

/** Marker the intake puts in a cut request; the thread repeats the notice. */
export const TRUNCATION_MARKER = '[Request truncated:';

export interface StatusView {
  ticket: Ticket;
  /** Queue position (1 = next) while queued. */
  position?: number;
  /** Page of the ticket on the queue page. */
  ticketUrl: string;
  /** Public URL of the GIF (or a screenshot) when the evidence can be shown inline. */
  imageUrl?: string;
  /** Where the evidence can be opened: the ticket page or published files. */
  evidenceUrl?: string;
  now?: number;
}

export interface StatusMessage {
  /** Fallback text for notifications and clients without blocks. */
  text: string;
  blocks: Record<string, unknown>[];
}

const RUN_STAGES = ['preparing', 'coding', 'verifying', 'reviewing', 'publishing'] as const;
const STAGE_WORDS: Record<string, string> = {
  queued: 'Queued',
  preparing: 'Preparing a sandbox',
  coding: 'Changing the code',
  verifying: 'Proving it in a browser',
  reviewing: 'Under review',
  publishing: 'Opening the pull request',
  done: 'Done',
};

/** A failure in words a requester understands, with what to do next, by error code. */
const FAILURE_WORDS: Partial<Record<string, [string, string]>> = {
  [ErrorCode.ProofFailed]: [
    'I could not prove the change in a browser (it has to fail before and pass after, twice).',
    'Reply here with the exact steps to check it, or make the request more specific.',
  ],
  [ErrorCode.BudgetExceeded]: [
    'The change took more work than one ticket is allowed.',
    'Split the request into smaller ones and react again on each.',
  ],
  [ErrorCode.StageTimeout]: [
    'A step took too long and was stopped.',
    'React again later, or ask an admin to look.',
  ],
  [ErrorCode.AppStartFailed]: [
    'The app would not start in the sandbox, so nothing could be checked.',
    'Ask an admin to check the target repo settings (.loopwright.yml).',
  ],
  [ErrorCode.SandboxUnavailable]: [
    'No sandbox was available to work in.',
    'Ask an admin to run `loopwright doctor`.',
  ],
  [ErrorCode.SandboxFailed]: [
    'The sandbox broke while working.',
    'React again to retry; if it repeats, ask an admin.',
  ],
  [ErrorCode.ModelError]: ['The AI model could not be reached.', 'Try again in a few minutes.'],
  [ErrorCode.ModelNotConfigured]: ['No AI model is configured.', 'Ask an admin to set OPENAI_API_KEY.'],
  [ErrorCode.ModelOutputInvalid]: [
    'The AI model kept giving unusable answers.',
    'Rephrase the request and try again.',
  ],
  [ErrorCode.BrowserFailed]: ['The browser used for checking crashed.', 'React again to retry.'],
  [ErrorCode.PublishFailed]: [
    'The change is ready but the pull request could not be opened.',
    'Ask an admin to check the GitHub settings; the change is kept on the ticket page.',
  ],
  [ErrorCode.GitHubError]: ['GitHub refused the pull request.', 'Ask an admin to check the GitHub settings.'],
  [ErrorCode.GuardrailRejected]: [
    'The change touched something it is not allowed to (protected files, secrets, or deleted tests).',
    'Rephrase the request so it does not need that, or ask an admin.',
  ],
  [ErrorCode.ReviewRejected]: [
    'The reviewer refused the change.',
    'Read the comments on the ticket page and refine the request.',
  ],
};

export function statusMessage(view: StatusView): StatusMessage {
  const { ticket } = view;
  const lines = headline(view);
  const blocks: Record<string, unknown>[] = [
    { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `<${view.ticketUrl}|Ticket ${ticket.id}> · ${escape(ticket.target)} · ${elapsed(view)}`,
        },
      ],
    },
  ];
  if (ticket.request.text.includes(TRUNCATION_MARKER)) {
    blocks.push({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: ':scissors: The request was very long; only its beginning was used.' },
      ],
    });
  }
  if (ticket.status === 'pr_opened' && view.imageUrl) {
    blocks.push({
      type: 'image',
      image_url: view.imageUrl,
      alt_text: ticket.result?.title ?? 'The change in the browser',
    });
  }
  return { text: fallback(view), blocks };
}

function headline(view: StatusView): string[] {
  const { ticket } = view;
  const what = `> ${escape(excerpt(ticket.request.text, 140))}`;
  switch (ticket.status) {
    case 'queued':
      return [
        `:hourglass_flowing_sand: *Queued*${view.position ? ` · position ${view.position} in line` : ''}`,
        what,
      ];
    case 'running': {
      const i = RUN_STAGES.indexOf(ticket.stage as (typeof RUN_STAGES)[number]);
      const step = i >= 0 ? ` (step ${i + 1} of ${RUN_STAGES.length})` : '';
      return [
        `:gear: *${STAGE_WORDS[ticket.stage] ?? ticket.stage}*${step}`,
        what,
        ...reviewerLines(ticket, escape),
      ];
    }
    case 'pr_opened': {
      const pr = ticket.pr;
      const out = [
        pr
          ? `:white_check_mark: *Pull request opened:* <${pr.url}|#${pr.number}${ticket.result ? ` ${escape(ticket.result.title)}` : ''}>${pr.draft ? ' (draft)' : ''}`
          : ':white_check_mark: *Pull request opened*',
      ];
      const proof = proofLine(ticket);
      if (proof) out.push(`:test_tube: Proof: ${proof}`);
      if (ticket.reviews?.length) out.push(...reviewerLines(ticket, escape));
      else if (ticket.review) out.push(`:mag: Reviewer: ${reviewWords(ticket)}`);
      if (!view.imageUrl && view.evidenceUrl)
        out.push(`:film_frames: <${view.evidenceUrl}|Video and screenshots>`);
      out.push('Reply in this thread to ask for changes; they go to the same pull request.');
      return out;
    }
    case 'failed': {
      const [why, next] = failureWords(ticket);
      return [`:x: *Failed:* ${why}`, `*What to do:* ${next}`, what];
    }
    case 'rejected': {
      const [why, next] = failureWords(ticket);
      const out = [`:no_entry: *Not published:* ${why}`];
      const comment = ticket.review?.comments[0]?.body;
      if (ticket.reviews?.length) out.push(...reviewerLines(ticket, escape));
      else if (comment) out.push(`> ${escape(excerpt(comment, 300))}`);
      out.push(`*What to do:* ${next}`);
      return out;
    }
    case 'cancelled':
      return [':heavy_multiplication_x: *Cancelled.* React again on the message to queue it anew.', what];
  }
}

/** "fails before, passes after ×2" from the evidence's proof. */
export function proofLine(ticket: Ticket): string | undefined {
  const proof = ticket.evidence?.proof;
  if (!proof) return undefined;
  const before = proof.base === 'failed' ? 'fails before' : 'passes before (proves nothing)';
  const passed = proof.head.filter((h) => h === 'passed').length;
  const after =
    passed === proof.head.length
      ? `passes after ×${passed}`
      : `passes after ${passed} of ${proof.head.length} runs`;
  return `${before}, ${after}`;
}

function reviewWords(ticket: Ticket): string {
  const review = ticket.review;
  if (!review) return '';
  const verdict = { approve: 'approved', request_changes: 'asked for changes', reject: 'rejected' }[
    review.verdict
  ];
  const first = review.comments[0]?.body;
  return first ? `${verdict} — ${escape(excerpt(first, 200))}` : verdict;
}

function failureWords(ticket: Ticket): [string, string] {
  const code = ticket.error?.code;
  const known = code ? FAILURE_WORDS[code] : undefined;
  if (known) return known;
  if (ticket.status === 'rejected') return FAILURE_WORDS[ErrorCode.ReviewRejected] as [string, string];
  const detail = ticket.error?.message ? ` (${escape(excerpt(ticket.error.message, 200))})` : '';
  return [
    `something went wrong${detail}.`,
    'React again to retry; if it repeats, open the ticket page and ask an admin.',
  ];
}

function fallback(view: StatusView): string {
  const { ticket } = view;
  switch (ticket.status) {
    case 'queued':
      return `Loopwright: queued${view.position ? `, position ${view.position}` : ''}`;
    case 'running':
      return `Loopwright: ${STAGE_WORDS[ticket.stage] ?? ticket.stage}`;
    case 'pr_opened':
      return `Loopwright: pull request opened${ticket.pr ? ` ${ticket.pr.url}` : ''}`;
    case 'failed':
      return `Loopwright: failed — ${failureWords(ticket)[0]}`;
    case 'rejected':
      return `Loopwright: not published — ${failureWords(ticket)[0]}`;
    case 'cancelled':
      return 'Loopwright: cancelled';
  }
}

function elapsed(view: StatusView): string {
  const { ticket } = view;
  const ms =
    ticket.status === 'queued' || ticket.status === 'running'
      ? (view.now ?? Date.now()) - Date.parse(ticket.createdAt)
      : (ticket.timings.totalMs ?? Date.parse(ticket.updatedAt) - Date.parse(ticket.createdAt));
  return `${formatDuration(ms)} ${ticket.status === 'queued' || ticket.status === 'running' ? 'elapsed' : 'in total'}`;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** Slack mrkdwn needs only &, < and > escaped. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
