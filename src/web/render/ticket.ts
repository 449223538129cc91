/**
 * The ticket page: request, stage timeline with durations, proof, video, screenshots, diff, review,
 * usage and the live transcript. Pure; the route reads the store and the evidence directory.
 */
import { html, type SafeHtml } from '../html.ts';
import { STAGES, isTerminal, type Stage, type Ticket, type Timings } from '../../core/ticket.ts';
import type { TimelineEntry } from '../../tickets/types.ts';
import { renderPage } from './layout.ts';
import { renderDiff } from './diff.ts';
import { renderEvidence, renderProof, type EvidenceView } from './evidence.ts';
import { renderReviewers } from './reviews.ts';
import { renderTranscript } from './transcript.ts';
import {
  formatCost,
  formatDuration,
  formatTime,
  formatTokens,
  stageBadge,
  statusBadge,
  truncate,
} from './format.ts';
import { TICKET_SCRIPT } from './ticket-script.ts';

export interface TicketView {
  ticket: Ticket;
  timeline: TimelineEntry[];
  position?: number;
  evidence: EvidenceView;
  /** Contents of diff.patch, when present. */
  diff?: string;
  now: number;
  nonce: string;
  scripted?: boolean;
  hasPrs?: boolean;
}

const TIMING_KEY: Record<Exclude<Stage, 'done'>, keyof Timings> = {
  queued: 'queuedMs',
  preparing: 'preparingMs',
  coding: 'codingMs',
  verifying: 'verifyingMs',
  reviewing: 'reviewingMs',
  publishing: 'publishingMs',
};

/** When the current stage started: the newest `stage` event for it. */
function stageStart(t: Ticket, timeline: TimelineEntry[]): number {
  for (let i = timeline.length - 1; i >= 0; i--) {
    const e = timeline[i]?.event;
    if (e?.type === 'stage' && e.stage === t.stage) return Date.parse(e.at);
  }
  return Date.parse(t.stage === 'queued' ? t.createdAt : t.updatedAt);
}

/** The stage stepper with each stage's duration; the running stage ticks client-side. */
export function renderStages(t: Ticket, timeline: TimelineEntry[], now: number): SafeHtml {
  const current = STAGES.indexOf(t.stage);
  const live = !isTerminal(t.status);
  const since = stageStart(t, timeline);
  const steps = STAGES.filter((s): s is Exclude<Stage, 'done'> => s !== 'done').map((s, i) => {
    const ms = t.timings[TIMING_KEY[s]];
    let state = i < current ? 'done' : i === current ? (live ? 'active' : 'stopped') : 'pending';
    if (t.stage === 'done') state = 'done';
    if (ms === undefined && state === 'done' && i > 0) state = 'skipped';
    const dur =
      state === 'active'
        ? html`<span class="elapsed" data-since="${since}">${formatDuration(now - since)}</span>`
        : formatDuration(ms);
    return html`<li class="step ${state}"><span class="name">${s}</span><span class="dur">${dur}</span></li>`;
  });
  return html`<ol class="stages">
      ${steps}
    </ol>
    <p class="totals">
      Total ${formatDuration(t.timings.totalMs)} · model time ${formatDuration(t.timings.modelMs)}
    </p>`;
}

/** Title, status and actions; re-rendered live. */
export function renderTicketHead(t: Ticket, position: number | undefined): SafeHtml {
  const title = t.result?.title ?? truncate(t.request.text, 90);
  const canCancel = !isTerminal(t.status);
  const canRetry = t.status === 'failed' || t.status === 'rejected' || t.status === 'cancelled';
  const pr = t.pr
    ? html`<a class="pr" href="${/^https?:\/\//.test(t.pr.url) ? t.pr.url : `/prs/${t.pr.number}`}"
        >PR #${t.pr.number}${t.pr.draft ? ' (draft)' : ''}</a
      >`
    : '';
  return html`<div class="head-line">
      <h1>${title}</h1>
      <div class="actions">
        ${canCancel ? html`<form method="post" action="/tickets/${t.id}/cancel"><button class="danger" type="submit">Cancel</button></form>` : ''}
        ${canRetry ? html`<form method="post" action="/tickets/${t.id}/retry"><button type="submit">Retry</button></form>` : ''}
      </div>
    </div>
    <p class="meta">
      ${statusBadge(t.status)} ${t.status === 'running' ? stageBadge(t) : ''}
      ${t.status === 'queued' && position ? html`<span class="pos">queue position #${position}</span>` : ''}
      ${pr} <span>${t.id}</span> · <span>target ${t.target}</span> · <span>by ${t.request.requester}</span> ·
      <span>via ${t.request.source}</span> ·
      <span>${formatTime(t.createdAt)} UTC</span>
      ${t.attempts > 1 ? html` · <span>attempt ${t.attempts}</span>` : ''}
      ${t.request.slack?.permalink ? html` · <a href="${t.request.slack.permalink}">Slack thread</a>` : ''}
    </p>
    ${t.error ? html`<div class="error-box"><code>${t.error.code}</code> ${t.error.message}</div>` : ''}`;
}

function renderUsage(t: Ticket): SafeHtml {
  const u = t.usage;
  return html`<dl class="usage">
    <div>
      <dt>Prompt tokens</dt>
      <dd>${formatTokens(u.promptTokens)}</dd>
    </div>
    <div>
      <dt>Cached</dt>
      <dd>${formatTokens(u.cachedTokens)}</dd>
    </div>
    <div>
      <dt>Completion tokens</dt>
      <dd>${formatTokens(u.completionTokens)}</dd>
    </div>
    <div>
      <dt>Cost</dt>
      <dd>${formatCost(u.costUsd)}</dd>
    </div>
    <div>
      <dt>Model time</dt>
      <dd>${formatDuration(t.timings.modelMs)}</dd>
    </div>
  </dl>`;
}

function renderReview(t: Ticket): SafeHtml {
  if (t.reviews?.length)
    return html`${t.review ? html`<p class="verdict verdict-${t.review.verdict}">${t.review.verdict.replace('_', ' ')}</p>` : ''}${renderReviewers(t.reviews)}`;
  if (!t.review) return html`<p class="empty">No review yet.</p>`;
  return html`<p class="verdict verdict-${t.review.verdict}">${t.review.verdict.replace('_', ' ')}</p>
    ${
      t.review.comments.length
        ? html`<ul class="comments">
            ${t.review.comments.map((c) => html`<li>${c.path ? html`<code>${c.path}${c.line ? `:${c.line}` : ''}</code> ` : ''}${c.body}</li>`)}
          </ul>`
        : ''
    }`;
}

export function renderTicketPage(v: TicketView): string {
  const t = v.ticket;
  const body = html` <div id="ticket" data-id="${t.id}" data-terminal="${isTerminal(t.status) ? '1' : '0'}">
    ${t.scripted ? html`<div class="banner banner-scripted" role="note">This ticket ran on a scripted model (replay), not a live LLM.</div>` : ''}
    <section class="card head" id="ticket-head">${renderTicketHead(t, v.position)}</section>
    <section class="card">
      <h2>Request</h2>
      <blockquote class="request">${t.request.text}</blockquote>
      ${
        t.request.clarifications?.length
          ? html`<h3>Clarifications</h3>
              <ul>
                ${t.request.clarifications.map((c) => html`<li>${c}</li>`)}
              </ul>`
          : ''
      }
      ${
        t.result
          ? html`<h3>Result</h3>
              <p class="summary-text">${t.result.summary}</p>`
          : ''
      }
    </section>
    <section class="card">
      <h2>Stages</h2>
      <div id="stages">${renderStages(t, v.timeline, v.now)}</div>
    </section>
    <section class="card">
      <h2>Proof</h2>
      ${renderProof(t)}${renderEvidence(t.id, v.evidence)}
    </section>
    <section class="card">
      <h2>Diff</h2>
      ${v.diff !== undefined ? renderDiff(v.diff) : html`<p class="empty">No diff yet.</p>`}
    </section>
    <div class="two">
      <section class="card">
        <h2>Review</h2>
        ${renderReview(t)}
      </section>
      <section class="card">
        <h2>Usage</h2>
        ${renderUsage(t)}
      </section>
    </div>
    <section class="card">
      <h2>Agent transcript</h2>
      ${renderTranscript(v.timeline)}
    </section>
  </div>`;
  return renderPage({
    title: truncate(t.request.text, 60),
    nonce: v.nonce,
    body,
    script: TICKET_SCRIPT,
    scripted: v.scripted,
    nav: 'queue',
    hasPrs: v.hasPrs,
  });
}
