/**
 * How a ticket is stored: the `tickets` row, its mapping to the Ticket object, the columns a patch
 * may set, and why a write fenced to one attempt was refused.
 */
import { CodedError, ErrorCode } from '../core/errors.ts';
import type { Ticket, TicketStatus } from '../core/ticket.ts';
import type { Queryable } from './db.ts';

export interface TicketRow {
  id: string;
  status: TicketStatus;
  stage: Ticket['stage'];
  target: string;
  priority: number;
  job_id: string | null;
  attempts: number;
  run: number;
  scripted: boolean | null;
  request: Ticket['request'];
  pr: Ticket['pr'] | null;
  evidence: Ticket['evidence'] | null;
  review: Ticket['review'] | null;
  reviews: Ticket['reviews'] | null;
  result: Ticket['result'] | null;
  published: Ticket['published'] | null;
  usage: Ticket['usage'];
  timings: Ticket['timings'];
  error: Ticket['error'] | null;
  base_commit?: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

const iso = (d: Date | string) => (d instanceof Date ? d.toISOString() : new Date(d).toISOString());

export function rowToTicket(r: TicketRow): Ticket {
  const t: Ticket = {
    id: r.id,
    status: r.status,
    stage: r.stage,
    target: r.target,
    request: r.request,
    usage: r.usage,
    timings: r.timings,
    attempts: Number(r.attempts),
    run: Number(r.run),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
  if (r.pr) t.pr = r.pr;
  if (r.evidence) t.evidence = r.evidence;
  if (r.review) t.review = r.review;
  if (r.reviews) t.reviews = r.reviews;
  if (r.result) t.result = r.result;
  if (r.published) t.published = r.published;
  if (r.error) t.error = r.error;
  if (r.scripted !== null) t.scripted = r.scripted;
  if (r.base_commit) t.baseCommit = r.base_commit;
  return t;
}

/**
 * Columns a patch may set; JSON columns are written whole. `run` and `published` are not here:
 * only startAttempt moves the one, only recordPublished and retry write the other.
 */
const PATCH_COLUMNS: Record<string, { column: string; json: boolean }> = {
  status: { column: 'status', json: false },
  stage: { column: 'stage', json: false },
  target: { column: 'target', json: false },
  attempts: { column: 'attempts', json: false },
  scripted: { column: 'scripted', json: false },
  request: { column: 'request', json: true },
  pr: { column: 'pr', json: true },
  evidence: { column: 'evidence', json: true },
  review: { column: 'review', json: true },
  reviews: { column: 'reviews', json: true },
  result: { column: 'result', json: true },
  usage: { column: 'usage', json: true },
  timings: { column: 'timings', json: true },
  error: { column: 'error', json: true },
  baseCommit: { column: 'base_commit', json: false },
};

/** `SET` assignments for a patch, its values appended to `params` (which already hold the id). */
export function patchSets(patch: Record<string, unknown>, params: unknown[]): string[] {
  const sets: string[] = [];
  for (const [key, value] of Object.entries(patch)) {
    const col = PATCH_COLUMNS[key];
    if (!col) continue;
    params.push(value === undefined ? null : col.json ? JSON.stringify(value) : value);
    sets.push(`${col.column} = $${params.length}${col.json ? '::jsonb' : ''}`);
  }
  sets.push('updated_at = now()');
  return sets;
}

export const notFound = (id: string) =>
  new CodedError(ErrorCode.NotFound, `no ticket ${id}`, { hint: 'list tickets with `loopwright status`' });

/**
 * Why a write of attempt `run` did not apply, read after the fenced statement matched no row:
 * the ticket is gone, a newer attempt started, the ticket was cancelled, or this attempt settled it.
 */
export async function refusal(q: Queryable, id: string, run: number): Promise<CodedError> {
  const { rows } = await q.query<Pick<TicketRow, 'run' | 'status' | 'error'>>(
    'SELECT run, status, error FROM tickets WHERE id = $1',
    [id],
  );
  const now = rows[0];
  if (!now) return notFound(id);
  if (Number(now.run) !== run) {
    return new CodedError(
      ErrorCode.StaleAttempt,
      `attempt ${run} of ticket ${id} was superseded by attempt ${now.run}; its write was refused`,
    );
  }
  if (now.status === 'cancelled') {
    return new CodedError(
      ErrorCode.Cancelled,
      `ticket ${id} was cancelled (${now.error?.message ?? 'cancelled'}); the write of attempt ${run} was refused`,
    );
  }
  return new CodedError(
    ErrorCode.StaleAttempt,
    `ticket ${id} is already ${now.status}; the write of attempt ${run} was refused`,
  );
}
