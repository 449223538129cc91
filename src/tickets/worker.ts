/**
 * A worker: claims ticket jobs from the queue (up to `concurrency` at once), keeps each job's lease
 * alive with a heartbeat, runs the pipeline and settles the job (STYLE.md 10). Sweeps what a
 * crashed worker left behind at start, and stops gracefully: no new claims, running tickets get a
 * grace period, then are handed back to the queue.
 */
import { asCodedError, ErrorCode, isCodedError } from '../core/errors.ts';
import { stamp } from '../core/events.ts';
import type { Logger } from '../core/log.ts';
import { redact } from '../core/redact.ts';
import { beatWorker, DEFAULT_BEAT_MS, leaveWorker, newWorkerId, type WorkerProblem } from './health.ts';
import { runTicket, RunInterrupted, type PipelineDeps, type RunResult } from './pipeline.ts';
import type { QueueJob, TicketQueue } from './queue.ts';
import type { SqlTicketStore } from './store.ts';

export interface WorkerOptions {
  store: SqlTicketStore;
  queue: TicketQueue;
  /** Everything the pipeline needs besides the store (the default target's). */
  pipeline: Omit<PipelineDeps, 'store'>;
  /** Another target's pipeline, for a deployment with several; throws for an unknown target. */
  pipelineFor?: (target: string) => Omit<PipelineDeps, 'store'>;
  /** Tickets run at once (config.workerConcurrency). */
  concurrency?: number;
  /** Idle wait between looks at the queue (default 500 ms). */
  pollMs?: number;
  /** Default: a third of the queue's lease. */
  heartbeatMs?: number;
  log?: Logger;
  onSettled?: (result: RunResult) => void;
  /**
   * Whether this worker can do the work at all (cli: Chromium starts sandboxed, a video is
   * written). Until it passes, the worker claims nothing; it is run again every `recheckMs`.
   */
  selfCheck?: () => Promise<{ ok: boolean; problem?: WorkerProblem }>;
  /** Default 60 s. */
  recheckMs?: number;
  /** How often the worker's health row is refreshed (default 5 s). */
  beatMs?: number;
}

export interface Worker {
  readonly id: string;
  readonly active: number;
  /** Passed its self-check (always, without one). */
  readonly ready: boolean;
  /** Stops claiming; waits up to `graceMs` (default 30 s) for running tickets, then hands them back. */
  stop(opts?: { graceMs?: number }): Promise<void>;
}

export async function startWorker(opts: WorkerOptions): Promise<Worker> {
  const { store, queue, log } = opts;
  const concurrency = opts.concurrency ?? opts.pipeline.config.workerConcurrency;
  const pollMs = opts.pollMs ?? 500;
  const heartbeatMs = opts.heartbeatMs ?? Math.max(1000, (queue.leaseSeconds * 1000) / 3);
  const deps: PipelineDeps = { ...opts.pipeline, store };
  const running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  let stopping = false;
  // A wake that arrives while the loop is busy is remembered, so the next sleep returns at once.
  let onStop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (onStop = resolve));
  let woken = false;
  let resolveSleep: (() => void) | undefined;
  const wake = () => {
    woken = true;
    resolveSleep?.();
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken) {
        woken = false;
        return resolve();
      }
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolveSleep = undefined;
        woken = false;
        resolve();
      }
      resolveSleep = done;
    });

  const report = await opts.pipeline.sandboxes.sweep().catch((error) => {
    log?.warn({ err: error }, 'sweep at start failed');
    return undefined;
  });
  if (report && report.processes + report.worktrees + report.namespaces > 0)
    log?.info(report, 'swept leftovers');

  // Each ticket runs on its own target's forge, sandboxes and model.
  const depsFor = async (ticketId: string): Promise<PipelineDeps> => {
    const ticket = opts.pipelineFor && (await store.get(ticketId));
    return ticket ? { ...opts.pipelineFor!(ticket.target), store } : deps;
  };
  const handle = async (job: QueueJob, controller: AbortController) => {
    const beat = setInterval(() => {
      queue
        .heartbeat(job)
        .then((ours) => {
          if (!ours) controller.abort(new RunInterrupted('lease_lost'));
        })
        .catch(() => {});
    }, heartbeatMs);
    try {
      const result = await runTicket(await depsFor(job.ticketId), job.ticketId, {
        signal: controller.signal,
      });
      if (result.abandoned) {
        log?.warn({ ticketId: job.ticketId }, 'lease lost; another worker has the ticket');
      } else if (result.retry) {
        await queue.fail(job, { code: result.retry.code, message: redact(result.retry.message) });
      } else {
        await queue.complete(job, { status: result.ticket.status });
      }
      opts.onSettled?.(result);
    } catch (caught) {
      if (isCodedError(caught, ErrorCode.NotFound)) {
        // The ticket was deleted: no attempt can ever run it, so end the job once, without retries.
        log?.warn({ ticketId: job.ticketId }, 'the ticket is gone; its job is completed');
        await queue.complete(job, { gone: true }).catch(() => false);
      } else if (isCodedError(caught, ErrorCode.StaleAttempt) || isCodedError(caught, ErrorCode.Cancelled)) {
        // The store refused this attempt's write: a newer attempt or a cancel owns the ticket, so
        // nothing here is settled on it. The job ends if it is still ours (a cancel ended it already).
        log?.warn({ ticketId: job.ticketId, code: caught.code }, caught.message);
        await queue.complete(job, { superseded: caught.code }).catch(() => false);
      } else {
        // The store itself failed (database gone): fail the job so the queue retries it later.
        const error = asCodedError(caught);
        log?.error({ err: error, ticketId: job.ticketId }, 'ticket run broke');
        await queue.fail(job, { code: error.code, message: redact(error.message) }).catch(() => false);
      }
    } finally {
      clearInterval(beat);
    }
  };

  const health = watchHealth(opts, () => [...running.keys()]);
  const loop = async () => {
    await health.checked;
    while (!stopping) {
      if (!health.ready) {
        await sleep(pollMs);
        continue;
      }
      if (running.size >= concurrency) {
        await Promise.race([...running.values()].map((r) => r.done).concat(stopped));
        continue;
      }
      let job: QueueJob | undefined;
      try {
        job = await queue.fetch();
      } catch (error) {
        log?.warn({ err: error }, 'queue fetch failed');
      }
      if (stopping) {
        // Claimed while stopping: give it straight back.
        if (job)
          await queue.fail(job, { code: ErrorCode.Internal, message: 'worker stopping' }).catch(() => false);
        break;
      }
      if (!job) {
        await sleep(pollMs);
        continue;
      }
      const claimed = job;
      const controller = new AbortController();
      const done = handle(claimed, controller).finally(() => running.delete(claimed.id));
      running.set(claimed.id, { controller, done });
    }
  };
  // A newly queued ticket (here, or in another process through NOTIFY on Postgres) wakes an idle
  // worker at once; the poll is the fallback.
  const unsubscribe = store.subscribe((c) => {
    if (c.event?.type === 'status' && c.event.status === 'queued') wake();
  });
  const looping = loop();
  const reconcile = setInterval(() => void reconcileOrphans(store).catch(() => {}), 30_000);
  reconcile.unref();
  void reconcileOrphans(store).catch(() => {});

  return {
    id: health.id,
    get active() {
      return running.size;
    },
    get ready() {
      return health.ready;
    },
    async stop({ graceMs = 30_000 } = {}) {
      stopping = true;
      await health.stop();
      onStop();
      unsubscribe();
      clearInterval(reconcile);
      wake();
      await looping;
      const all = Promise.all([...running.values()].map((r) => r.done));
      const timer = new Promise<void>((r) => setTimeout(r, graceMs).unref());
      await Promise.race([all, timer]);
      for (const r of running.values()) r.controller.abort(new RunInterrupted('shutdown'));
      await all;
    },
  };
}

/**
 * The worker's self-check and its health row: checked once at start and again every `recheckMs`
 * while failing; a problem is logged once (and again only when it changes), the row is refreshed
 * every `beatMs` with what the worker runs.
 */
function watchHealth(opts: WorkerOptions, runningIds: () => string[]) {
  const id = newWorkerId();
  const db = opts.store.db;
  const beatMs = opts.beatMs ?? DEFAULT_BEAT_MS;
  let ready = !opts.selfCheck;
  let problem: WorkerProblem | undefined;
  let stopped = false;
  const beat = async () => {
    if (!stopped) await beatWorker(db, id, { ready, problem, running: runningIds() }).catch(() => {});
  };
  const check = async () => {
    if (!opts.selfCheck || stopped) return;
    const result = await opts.selfCheck().catch((error: Error) => ({
      ok: false,
      problem: { code: asCodedError(error).code, message: error.message } as WorkerProblem,
    }));
    const was = problem?.message;
    ready = result.ok;
    problem = result.ok ? undefined : result.problem;
    if (problem && problem.message !== was)
      opts.log?.error(
        { problem },
        `worker cannot record a proof, so it claims no tickets: ${problem.message}${problem.fix ? ` — fix: ${problem.fix}` : ''}`,
      );
    else if (result.ok && was) opts.log?.info('worker self-check passes now; claiming tickets');
    await beat();
  };
  const checked = check();
  let current = checked;
  let busy = false;
  const beater = setInterval(() => void beat(), beatMs);
  const rechecker = setInterval(() => {
    if (ready || busy) return;
    busy = true;
    current = check().finally(() => (busy = false));
  }, opts.recheckMs ?? 60_000);
  beater.unref();
  rechecker.unref();
  return {
    id,
    checked,
    get ready() {
      return ready;
    },
    async stop() {
      stopped = true;
      clearInterval(beater);
      clearInterval(rechecker);
      await current;
      await leaveWorker(db, id).catch(() => {});
    },
  };
}

/**
 * Tickets whose job the queue gave up on (every attempt's worker died, so no run settled them):
 * settle them as failed so no ticket stays `running` forever.
 */
export async function reconcileOrphans(store: SqlTicketStore): Promise<number> {
  const { rows } = await store.db.query<{ id: string }>(
    `SELECT t.id FROM tickets t JOIN pgboss.job j ON j.id::text = t.job_id
     WHERE t.status IN ('queued', 'running') AND j.state IN ('failed', 'cancelled')`,
  );
  for (const { id } of rows) {
    const t = await store.get(id);
    if (!t || (t.status !== 'queued' && t.status !== 'running')) continue;
    const error = {
      code: ErrorCode.Internal,
      message: `no attempt finished: the worker stopped or died ${t.attempts} time(s)`,
    };
    // Fenced to the attempt seen here: a cancel, a retry or a new attempt since then wins.
    const fence = { run: t.run };
    try {
      await store.update(id, { status: 'failed', error }, fence);
    } catch (caught) {
      if (isCodedError(caught, ErrorCode.StaleAttempt) || isCodedError(caught, ErrorCode.Cancelled)) continue;
      throw caught;
    }
    await store.append(id, stamp({ type: 'error', ...error }), fence);
    await store.append(id, stamp({ type: 'finished', status: 'failed' }), fence);
  }
  return rows.length;
}
