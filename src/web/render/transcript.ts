/**
 * The agent transcript from the ticket timeline: messages, tool calls with their results folded
 * into `<details>`, stage changes, proof, review and guardrail outcomes. Agent output is untrusted
 * and escaped like everything else.
 */
import { html, type SafeHtml } from '../html.ts';
import type { TicketEvent } from '../../core/events.ts';
import type { TimelineEntry } from '../../tickets/types.ts';
import { formatDuration, truncate } from './format.ts';
import { renderComments } from './reviews.ts';

type Ev<T extends TicketEvent['type']> = Extract<TicketEvent, { type: T }>;

const time = (at: string) => html`<time datetime="${at}">${at.slice(11, 19)}</time>`;

/** A one-line gist of a tool call's arguments. */
export function argsGist(name: string, args: unknown): string {
  if (args && typeof args === 'object') {
    const a = args as Record<string, unknown>;
    for (const key of [
      'command',
      'path',
      'url',
      'pattern',
      'element',
      'key',
      'text',
      'caption',
      'title',
      'verdict',
    ]) {
      if (typeof a[key] === 'string') return truncate(String(a[key]).replace(/\s+/g, ' '), 90);
    }
    if (name === 'submit_verification' && a.plan && typeof a.plan === 'object') {
      const plan = a.plan as { title?: unknown };
      if (typeof plan.title === 'string') return truncate(plan.title, 90);
    }
  }
  const json = JSON.stringify(args) ?? '';
  return truncate(json === '{}' ? '' : json, 90);
}

function pretty(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? '';
  } catch {
    return String(value);
  }
}

/** The result block that goes inside its call's `<details>` (or stands alone if the call is absent). */
export function renderToolResult(e: Ev<'tool_result'>): SafeHtml {
  return html`<div class="tool-result ${e.ok ? 'ok' : 'fail'}" data-call="${e.callId}">
    <div class="meta">${e.ok ? '✓ ok' : '✗ failed'} · ${formatDuration(e.durationMs)}</div>
    <pre>${e.summary}</pre>
  </div>`;
}

function renderToolCall(e: Ev<'tool_call'>, result: Ev<'tool_result'> | undefined): SafeHtml {
  const state = result ? (result.ok ? 'ok' : 'fail') : 'pending';
  return html`<li class="ev tool ${e.agent}">
    <details id="call-${e.callId}" class="call ${state}">
      <summary>
        ${time(e.at)} <span class="agent">${e.agent}</span> <code class="tool-name">${e.name}</code>
        <span class="gist">${argsGist(e.name, e.args)}</span>
        <span class="dur">${result ? formatDuration(result.durationMs) : ''}</span>
      </summary>
      <pre class="args">${pretty(e.args)}</pre>
      ${result ? renderToolResult(result) : ''}
    </details>
  </li>`;
}

function renderMessage(e: Ev<'message'>): SafeHtml {
  const text = e.text.trim();
  const body =
    text.length > 600
      ? html`<details>
          <summary>${truncate(text, 200)}</summary>
          <div class="text">${text}</div>
        </details>`
      : html`<div class="text">${text}</div>`;
  return html`<li class="ev message ${e.agent}">
    ${time(e.at)} <span class="agent">${e.agent}</span>${body}
  </li>`;
}

/**
 * One timeline event as a transcript item. `result` pairs a tool call with its result; a result
 * whose call is rendered elsewhere returns only its block. Usage events render nothing (they are
 * summed in the usage section).
 */
export function renderEvent(e: TicketEvent, result?: Ev<'tool_result'>): SafeHtml {
  switch (e.type) {
    case 'tool_call':
      return renderToolCall(e, result);
    case 'tool_result':
      return html`<li class="ev tool orphan">${renderToolResult(e)}</li>`;
    case 'message':
      return renderMessage(e);
    case 'stage':
      return html`<li class="ev marker">${time(e.at)} stage → <b>${e.stage}</b></li>`;
    case 'status':
      return html`<li class="ev marker">${time(e.at)} status → <b>${e.status}</b></li>`;
    case 'finished':
      return html`<li class="ev marker">${time(e.at)} finished: <b>${e.status}</b></li>`;
    case 'proof':
      return html`<li class="ev proof outcome-${e.outcome}">
        ${time(e.at)} proof: <b>${e.outcome}</b> <span class="detail">${e.detail}</span>
      </li>`;
    case 'review':
      return html`<li class="ev review verdict-${e.verdict}">
        ${time(e.at)} review round ${e.round}: <b>${e.verdict}</b> ${renderComments(e.comments)}
      </li>`;
    case 'reviewer_verdict':
      return html`<li class="ev review verdict-${e.verdict}">
        ${time(e.at)} ${e.reviewer}${e.required ? '' : ' (not required)'}, round ${e.round}:
        <b>${e.verdict}</b> ${renderComments(e.comments)}
      </li>`;
    case 'guardrail':
      return html`<li class="ev guardrail ${e.ok ? 'ok' : 'fail'}">
        ${time(e.at)} guardrails: <b>${e.ok ? 'passed' : 'failed'}</b> ${
          e.findings.length
            ? html`<ul>
                ${e.findings.map((f) => html`<li>${f}</li>`)}
              </ul>`
            : ''
        }
      </li>`;
    case 'log':
      return html`<li class="ev log ${e.level}">${time(e.at)} ${e.text}</li>`;
    case 'error':
      return html`<li class="ev error">${time(e.at)} error <code>${e.code}</code> ${e.message}</li>`;
    case 'usage':
      return html``;
  }
}

/** Newest entries the page renders; the full timeline stays available at the API. */
export const TRANSCRIPT_LIMIT = 600;

export function renderTranscript(entries: TimelineEntry[]): SafeHtml {
  const shown = entries.slice(-TRANSCRIPT_LIMIT);
  const results = new Map<string, Ev<'tool_result'>>();
  const calls = new Set<string>();
  for (const { event } of shown) {
    if (event.type === 'tool_result') results.set(event.callId, event);
    if (event.type === 'tool_call') calls.add(event.callId);
  }
  const items = shown.map(({ event }) => {
    if (event.type === 'tool_call') return renderEvent(event, results.get(event.callId));
    if (event.type === 'tool_result' && calls.has(event.callId)) return html``;
    return renderEvent(event);
  });
  const cut = entries.length - shown.length;
  return html`${cut > 0 ? html`<p class="empty">${cut} earlier events not shown (see the API timeline).</p>` : ''}
    <ol class="transcript" id="transcript">
      ${items}
    </ol>`;
}
