/**
 * Which workers are alive, whether each can do the work, and what each is running. Every worker
 * writes its own row on a short beat; /healthz and the queue page read the rows, so a web process
 * sees workers on other machines too. A row not refreshed for a while is a worker that is gone.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Queryable } from './db.ts';

export interface WorkerProblem {
  code: string;
  message: string;
  fix?: string;
}

export interface WorkerState {
  /** Passed its start-up check: it claims tickets. */
  ready: boolean;
  problem?: WorkerProblem;
  /** Ticket ids it runs now. */
  running: string[];
}

export interface WorkerRow extends WorkerState {
  id: string;
  host: string;
  pid: number;
  startedAt: string;
  lastSeen: string;
}

/** A row older than this many beats is a worker that died without saying so. */
const GONE_AFTER_BEATS = 4;

export const newWorkerId = (): string => `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

/** Writes this worker's row (insert or refresh). */
export async function beatWorker(db: Queryable, id: string, state: WorkerState): Promise<void> {
  await db.query(
    `INSERT INTO workers (id, host, pid, ready, problem, running)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO UPDATE SET ready = $4, problem = $5, running = $6, last_seen = now()`,
    [
      id,
      os.hostname(),
      process.pid,
      state.ready,
      state.problem ? JSON.stringify(state.problem) : null,
      JSON.stringify(state.running),
    ],
  );
}

/** Removes this worker's row (a clean stop); also clears rows long gone. */
export async function leaveWorker(db: Queryable, id: string): Promise<void> {
  await db.query('DELETE FROM workers WHERE id = $1', [id]);
}

/** Workers seen within the last `GONE_AFTER_BEATS` beats of `beatMs`, oldest first. */
export async function aliveWorkers(db: Queryable, beatMs = DEFAULT_BEAT_MS): Promise<WorkerRow[]> {
  const { rows } = await db.query<{
    id: string;
    host: string;
    pid: number;
    ready: boolean;
    problem: WorkerProblem | null;
    running: string[];
    started_at: Date | string;
    last_seen: Date | string;
  }>(`SELECT * FROM workers WHERE last_seen > now() - make_interval(secs => $1) ORDER BY started_at, id`, [
    (beatMs * GONE_AFTER_BEATS) / 1000,
  ]);
  return rows.map((r) => ({
    id: r.id,
    host: r.host,
    pid: Number(r.pid),
    ready: r.ready,
    ...(r.problem ? { problem: r.problem } : {}),
    running: r.running ?? [],
    startedAt: new Date(r.started_at).toISOString(),
    lastSeen: new Date(r.last_seen).toISOString(),
  }));
}

/** How often a worker refreshes its row. */
export const DEFAULT_BEAT_MS = 5000;
