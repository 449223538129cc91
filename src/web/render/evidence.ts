/** The proof and evidence sections (video, GIF, screenshots), shared by the ticket and PR pages. */
import { html, type SafeHtml } from '../html.ts';
import type { Ticket } from '../../core/ticket.ts';
import { evidenceUrl } from './format.ts';

/** What exists in a ticket's evidence directory, as paths relative to it. */
export interface EvidenceView {
  video?: string;
  baseVideo?: string;
  gif?: string;
  /** The first settled, non-blank frame of the passing run (the preview starts there). */
  poster?: string;
  screenshots: { path: string; caption?: string }[];
  before: string[];
  after: string[];
  trace?: string;
  manifest?: string;
  transcript?: string;
  diff?: string;
  /** Screenshots flagged blank in the manifest: named, not shown. */
  blank?: string[];
}

export const emptyEvidence = (): EvidenceView => ({ screenshots: [], before: [], after: [] });

export function renderProof(t: Ticket): SafeHtml {
  const proof = t.evidence?.proof;
  if (!proof) return html`<p class="empty">No proof recorded yet.</p>`;
  const ok = proof.base === 'failed' && proof.head.length > 0 && proof.head.every((h) => h === 'passed');
  return html`<div class="proof ${ok ? 'proven' : 'unproven'}">
    <span class="run"
      >base: <b class="verdict-${proof.base}">${proof.base}</b> <small>(must fail)</small></span
    >
    ${proof.head.map((h, i) => html`<span class="run">head #${i + 1}: <b class="verdict-${h}">${h}</b></span>`)}
    <span class="summary">${ok ? '✓ proven: fails on the old code, passes on the new' : 'not proven'}</span>
  </div>`;
}

function figure(id: string, shot: { path: string; caption?: string }): SafeHtml {
  const url = evidenceUrl(id, shot.path);
  return html`<figure>
    <a href="${url}"><img src="${url}" alt="${shot.caption ?? shot.path}" loading="lazy" /></a>
    <figcaption>${shot.caption ?? shot.path}</figcaption>
  </figure>`;
}

export function renderEvidence(id: string, ev: EvidenceView): SafeHtml {
  const media =
    ev.video || ev.gif
      ? html`<div class="media">
          ${
            ev.video
              ? html`<div>
                  <h3>Video (passing run)</h3>
                  <video
                    id="video"
                    src="${evidenceUrl(id, ev.video)}"
                    ${ev.poster ? html`poster="${evidenceUrl(id, ev.poster)}"` : ''}
                    controls
                    preload="metadata"
                  ></video>
                </div>`
              : ''
          }
          ${
            ev.gif
              ? html`<div>
                  <h3>Preview</h3>
                  <img
                    class="gif"
                    src="${evidenceUrl(id, ev.gif)}"
                    alt="Animated preview of the passing run"
                  />
                </div>`
              : ''
          }
        </div>`
      : html`<p class="empty">No video yet.</p>`;
  const pairs =
    ev.before.length || ev.after.length
      ? html`<h3>Before / after</h3>
          <div class="shots">
            ${ev.before.map((p) => figure(id, { path: p, caption: `before: ${p.replace(/^before\//, '')}` }))}
            ${ev.after.map((p) => figure(id, { path: p, caption: `after: ${p.replace(/^after\//, '')}` }))}
          </div>`
      : '';
  const files: [string | undefined, string][] = [
    [ev.baseVideo, 'base run video'],
    [ev.trace, 'Playwright trace'],
    [ev.manifest, 'manifest'],
    [ev.transcript, 'transcript (jsonl)'],
    [ev.diff, 'diff.patch'],
  ];
  const links = files.filter(([p]) => p);
  return html`${media}
  ${
    ev.screenshots.length
      ? html`<h3>Steps</h3>
          <div class="shots">${ev.screenshots.map((s) => figure(id, s))}</div>`
      : ''
  }
  ${pairs}
  ${ev.blank?.length ? html`<p class="warn" role="note">Blank screenshots (a single colour after the page settled), not shown as evidence: ${ev.blank.map((p) => html`<code>${p}</code> `)}</p>` : ''}
  ${links.length ? html`<p class="files">Files: ${links.map(([p, label]) => html`<a href="${evidenceUrl(id, p ?? '')}">${label}</a> `)}</p>` : ''}`;
}
