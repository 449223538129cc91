/**
 * The workers card of the queue page: which workers are alive, whether each can do the work (and
 * if not, why and the fix), what each runs, when each was last seen.
 */
import type { WorkerRow } from '../../tickets/health.ts';
import { html, type SafeHtml } from '../html.ts';
import { formatDuration, ticketUrl } from './format.ts';

function workerRow(w: WorkerRow, now: number): SafeHtml {
  const state = w.ready
    ? html`<span class="badge status-pr_opened">ready</span>`
    : html`<span class="badge status-failed">cannot verify</span>
        <div class="muted">
          ${w.problem?.message ?? ''}${w.problem?.fix ? ` — fix: ${w.problem.fix}` : ''}
        </div>`;
  const running = w.running.length
    ? w.running.map((id) => html`<a href="${ticketUrl(id)}">${id}</a> `)
    : html`<span class="muted">idle</span>`;
  return html`<tr>
    <td>${w.host} <span class="muted">pid ${w.pid}</span></td>
    <td>${state}</td>
    <td>${running}</td>
    <td class="num">${formatDuration(Math.max(0, now - Date.parse(w.lastSeen)))} ago</td>
  </tr>`;
}

export function renderWorkersCard(workers: WorkerRow[], now: number): SafeHtml {
  return html`<section class="card">
    <h2>Workers</h2>
    ${
      workers.length
        ? html`<table class="tickets" id="workers">
            <thead>
              <tr>
                <th>Worker</th>
                <th>Health</th>
                <th>Running</th>
                <th class="num">Last seen</th>
              </tr>
            </thead>
            <tbody>
              ${workers.map((w) => workerRow(w, now))}
            </tbody>
          </table>`
        : html`<p class="empty">No worker is alive: queued tickets wait until one starts.</p>`
    }
  </section>`;
}
