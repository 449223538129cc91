/** Small formatting helpers shared by the renderers. Pure. */
import { html, type SafeHtml } from '../html.ts';
import type { Ticket, TicketStatus } from '../../core/ticket.ts';

/** `850 ms`, `12.3 s`, `4m 05s`, `2h 03m`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

export function formatTokens(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)}k`;
  return `${(n / 1_000_000).toFixed(2)}M`;
}

export function formatCost(usd: number | undefined): string {
  if (usd === undefined) return '—';
  return usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/** ISO time as `2025-01-02 13:04` (UTC), stable for tests and screenshots. */
export function formatTime(iso: string): string {
  return iso.slice(0, 16).replace('T', ' ');
}

const STATUS_LABEL: Record<TicketStatus, string> = {
  queued: 'queued',
  running: 'running',
  pr_opened: 'PR opened',
  failed: 'failed',
  rejected: 'rejected',
  cancelled: 'cancelled',
};

export function statusBadge(status: TicketStatus): SafeHtml {
  return html`<span class="badge status-${status}">${STATUS_LABEL[status] ?? status}</span>`;
}

export function stageBadge(t: Ticket): SafeHtml {
  return html`<span class="badge stage stage-${t.stage}">${t.stage}</span>`;
}

/** Shortens text for table cells. */
export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export const ticketUrl = (id: string) => `/tickets/${encodeURIComponent(id)}`;
export const evidenceUrl = (id: string, rel: string) =>
  `/evidence/${encodeURIComponent(id)}/${rel.split('/').map(encodeURIComponent).join('/')}`;
