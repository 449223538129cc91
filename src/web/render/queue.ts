/**
 * The queue page: tickets in flight first (stage, elapsed, requester, source, queue position), then
 * the newest finished ones with their PR and outcome. Pure: the route gathers the data, so the
 * benchmark can time rendering alone. Rows are re-rendered on the server for live updates (SSE).
 */
import { html, type SafeHtml } from '../html.ts';
import type { Ticket, TicketStatus } from '../../core/ticket.ts';
import type { WorkerRow } from '../../tickets/health.ts';
import { renderPage } from './layout.ts';
import {
  formatCost,
  formatDuration,
  formatTime,
  stageBadge,
  statusBadge,
  ticketUrl,
  truncate,
} from './format.ts';
import { QUEUE_SCRIPT, RECENT_LIMIT } from './queue-script.ts';
import { renderWorkersCard } from './workers.ts';

export { RECENT_LIMIT };

export interface QueueView {
  /** Queued and running tickets, any order. */
  inflight: Ticket[];
  /** Finished tickets, newest first; only the first RECENT_LIMIT are rendered. */
  recent: Ticket[];
  /** Queue position (1 = next) by ticket id, for queued tickets. */
  positions: Record<string, number>;
  counts?: Partial<Record<TicketStatus, number>>;
  /** Epoch ms used for elapsed times (the page keeps ticking them client-side). */
  now: number;
  nonce: string;
  scripted?: boolean;
  hasPrs?: boolean;
  /** Targets offered by the submit form; the first is the default. */
  targets?: string[];
  /** Message shown above the form (e.g. after a rejected submission). */
  notice?: string;
  /** The target the page shows (`/?target=NAME`); absent: all. */
  filter?: string;
  /** Alive workers; absent when the page cannot know them. */
  workers?: WorkerRow[];
}

/** Running first (oldest first), then queued by position. */
export function sortInflight(tickets: Ticket[], positions: Record<string, number>): Ticket[] {
  return [...tickets].sort((a, b) => {
    if (a.status !== b.status) return a.status === 'running' ? -1 : 1;
    if (a.status === 'queued') return (positions[a.id] ?? Infinity) - (positions[b.id] ?? Infinity);
    return a.createdAt.localeCompare(b.createdAt);
  });
}

function requestCell(t: Ticket): SafeHtml {
  return html`<td class="req">
    <a href="${ticketUrl(t.id)}">${truncate(t.request.text, 140)}</a>
    <div class="sub">
      ${t.id} · ${t.target}${t.scripted ? html` · <span class="tag">scripted</span>` : ''}
    </div>
  </td>`;
}

/** One row of the in-flight table. */
export function renderInflightRow(t: Ticket, position: number | undefined, now: number): SafeHtml {
  const since = Date.parse(t.createdAt);
  return html`<tr
    id="row-${t.id}"
    data-status="${t.status}"
    data-since="${since}"
    data-pos="${position ?? ''}"
  >
    ${requestCell(t)}
    <td>${t.status === 'queued' ? statusBadge('queued') : stageBadge(t)}</td>
    <td class="num elapsed" data-since="${since}">${formatDuration(now - since)}</td>
    <td>${t.request.requester}</td>
    <td>${t.request.source}</td>
    <td class="num pos">${t.status === 'queued' && position !== undefined ? `#${position}` : '—'}</td>
  </tr>`;
}

function outcome(t: Ticket): SafeHtml {
  const pr = t.pr
    ? html`<a class="pr" href="${prHref(t)}">PR #${t.pr.number}${t.pr.draft ? ' (draft)' : ''}</a>`
    : '';
  const err = t.error ? html`<div class="sub err">${t.error.code}</div>` : '';
  return html`<td>${statusBadge(t.status)} ${pr}${err}</td>`;
}

/** The local forge's PRs open on this server; GitHub PRs link out. */
function prHref(t: Ticket): string {
  if (!t.pr) return '#';
  return /^https?:\/\//.test(t.pr.url) ? t.pr.url : `/prs/${t.pr.number}`;
}

/** One row of the recent table. */
export function renderRecentRow(t: Ticket): SafeHtml {
  return html`<tr id="row-${t.id}" data-status="${t.status}">
    ${requestCell(t)} ${outcome(t)}
    <td class="num">${formatDuration(t.timings.totalMs)}</td>
    <td class="num">${formatCost(t.usage.costUsd)}</td>
    <td>${t.request.requester}</td>
    <td class="num">${formatTime(t.updatedAt)}</td>
  </tr>`;
}

function countsLine(counts: QueueView['counts']): SafeHtml {
  if (!counts) return html``;
  const parts: [TicketStatus, string][] = [
    ['running', 'running'],
    ['queued', 'queued'],
    ['pr_opened', 'PRs opened'],
    ['failed', 'failed'],
    ['rejected', 'rejected'],
    ['cancelled', 'cancelled'],
  ];
  return html`<p class="counts">
    ${parts.map(
      ([k, label]) => html`<span class="count status-${k}"><b>${counts[k] ?? 0}</b> ${label}</span>`,
    )}
  </p>`;
}

/**
 * The target filter, for a deployment with several: a select in a GET form, so it works without
 * script (Show reloads `/?target=NAME`); the page script applies a change in place.
 */
function targetFilter(targets: string[], filter: string | undefined): SafeHtml | string {
  if (targets.length < 2) return '';
  const option = (value: string, label: string) =>
    value === (filter ?? '')
      ? html`<option value="${value}" selected>${label}</option>`
      : html`<option value="${value}">${label}</option>`;
  return html`<form class="targets" method="get" action="/" id="target-form">
    <label for="target-filter">Target</label>
    <select id="target-filter" name="target">
      ${option('', 'all')} ${targets.map((t) => option(t, t))}
    </select>
    <button type="submit" id="target-apply">Show</button>
  </form>`;
}

export function renderQueuePage(v: QueueView): string {
  const inflight = sortInflight(v.inflight, v.positions);
  const recent = v.recent.slice(0, RECENT_LIMIT);
  const targets = v.targets?.length ? v.targets : ['datadesk'];
  const body = html` <section class="submit card">
      <h2>New request</h2>
      ${v.notice ? html`<p class="notice">${v.notice}</p>` : ''}
      <form method="post" action="/tickets" class="submit-form">
        <label for="req-text">What should change?</label>
        <textarea
          id="req-text"
          name="text"
          rows="3"
          required
          maxlength="4000"
          placeholder="On the revenue dashboard, clicking a legend entry should hide that line"
        ></textarea>
        <div class="row">
          <label for="req-target">Target</label>
          <select id="req-target" name="target">
            ${targets.map((t) => html`<option>${t}</option>`)}
          </select>
          <button type="submit" class="primary">Queue request</button>
        </div>
      </form>
    </section>
    ${targetFilter(targets, v.filter)} ${countsLine(v.counts)}
    <section class="card">
      <h2>In flight <span class="live" id="live" title="live updates">●</span></h2>
      <table class="tickets" id="inflight">
        <thead>
          <tr>
            <th>Request</th>
            <th>Stage</th>
            <th class="num">Elapsed</th>
            <th>Requester</th>
            <th>Source</th>
            <th class="num">Queue</th>
          </tr>
        </thead>
        <tbody>
          ${inflight.map((t) => renderInflightRow(t, v.positions[t.id], v.now))}
        </tbody>
      </table>
      <p class="empty" id="inflight-empty" ${inflight.length ? ' hidden' : ''}>Nothing in flight.</p>
    </section>
    ${v.workers ? renderWorkersCard(v.workers, v.now) : ''}
    <section class="card">
      <h2>Recent</h2>
      <table class="tickets" id="recent">
        <thead>
          <tr>
            <th>Request</th>
            <th>Outcome</th>
            <th class="num">Took</th>
            <th class="num">Cost</th>
            <th>Requester</th>
            <th class="num">Finished (UTC)</th>
          </tr>
        </thead>
        <tbody>
          ${recent.map(renderRecentRow)}
        </tbody>
      </table>
      <p class="empty" id="recent-empty" ${recent.length ? ' hidden' : ''}>No finished tickets yet.</p>
    </section>`;
  return renderPage({
    title: 'Queue',
    nonce: v.nonce,
    body,
    script: QUEUE_SCRIPT,
    scripted: v.scripted,
    nav: 'queue',
    hasPrs: v.hasPrs,
  });
}
