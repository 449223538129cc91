/** Pull request pages for the local forge: the list, and one PR with body, diff, proof and Merge. */
import { html } from '../html.ts';
import type { Ticket } from '../../core/ticket.ts';
import { renderMarkdown } from '../markdown.ts';
import type { PullRequestView } from '../types.ts';
import { renderPage } from './layout.ts';
import { renderDiff } from './diff.ts';
import { renderEvidence, renderProof, type EvidenceView } from './evidence.ts';
import { formatTime, statusBadge, ticketUrl } from './format.ts';

export interface PrPageView {
  pr: PullRequestView;
  ticket?: Ticket;
  evidence: EvidenceView;
  diff?: string;
  canMerge: boolean;
  nonce: string;
  scripted?: boolean;
  notice?: string;
}

const stateBadge = (pr: PullRequestView) =>
  html`<span class="badge pr-${pr.state}">${pr.draft && pr.state === 'open' ? 'draft' : pr.state}</span>`;

export function renderPrPage(v: PrPageView): string {
  const { pr, ticket } = v;
  const body = html` <section class="card head">
      <div class="head-line">
        <h1>${pr.title} <span class="num-muted">#${pr.number}</span></h1>
        <div class="actions">
          ${
            v.canMerge && pr.state === 'open'
              ? html`<form method="post" action="/prs/${pr.number}/merge">
                  <button class="primary" type="submit">Merge</button>
                </form>`
              : ''
          }
        </div>
      </div>
      <p class="meta">
        ${stateBadge(pr)} <code>${pr.branch}</code> →
        <code>${pr.base ?? 'main'}</code> ${pr.createdAt ? html` · ${formatTime(pr.createdAt)} UTC` : ''}
        ${ticket ? html` · ticket <a href="${ticketUrl(ticket.id)}">${ticket.id}</a> ${statusBadge(ticket.status)}` : ''}
      </p>
      ${v.notice ? html`<p class="notice">${v.notice}</p>` : ''}
      ${ticket?.scripted ? html`<div class="banner banner-scripted" role="note">This ticket ran on a scripted model (replay), not a live LLM.</div>` : ''}
    </section>
    <section class="card markdown-body">
      ${pr.body.trim() ? renderMarkdown(pr.body) : html`<p class="empty">No description.</p>`}
    </section>
    ${
      ticket
        ? html`<section class="card">
            <h2>Proof</h2>
            ${renderProof(ticket)}${renderEvidence(ticket.id, v.evidence)}
          </section>`
        : ''
    }
    <section class="card">
      <h2>Files changed</h2>
      ${v.diff !== undefined ? renderDiff(v.diff) : html`<p class="empty">No diff available.</p>`}
    </section>`;
  return renderPage({
    title: `PR #${pr.number}: ${pr.title}`,
    nonce: v.nonce,
    body,
    scripted: v.scripted,
    nav: 'prs',
    hasPrs: true,
  });
}

export function renderPrListPage(prs: PullRequestView[], o: { nonce: string; scripted?: boolean }): string {
  const sorted = [...prs].sort((a, b) => b.number - a.number);
  const body = html`<section class="card">
    <h2>Pull requests</h2>
    ${
      sorted.length
        ? html`<table class="tickets">
            <thead>
              <tr>
                <th class="num">#</th>
                <th>Title</th>
                <th>State</th>
                <th>Branch</th>
              </tr>
            </thead>
            <tbody>
              ${sorted.map(
                (pr) =>
                  html`<tr>
                    <td class="num">${pr.number}</td>
                    <td class="req"><a href="/prs/${pr.number}">${pr.title}</a></td>
                    <td>${stateBadge(pr)}</td>
                    <td><code>${pr.branch}</code></td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : html`<p class="empty">No pull requests yet.</p>`
    }
  </section>`;
  return renderPage({
    title: 'Pull requests',
    nonce: o.nonce,
    body,
    scripted: o.scripted,
    nav: 'prs',
    hasPrs: true,
  });
}
