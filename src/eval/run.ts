/**
 * `eval run`: every trial is a real ticket, submitted to the queue with the model named (and the
 * task's budgets and clarifications), run by whatever workers share that queue through the real
 * pipeline. When a trial's ticket settles, the tree it published is fetched into the eval's own
 * git dir and the hidden check runs on it in a fresh room; then the trial is scored and written to
 * the run directory.
 */
import type { Config } from '../config/schema.ts';
import { asCodedError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { isTerminal, type Ticket } from '../core/ticket.ts';
import type { TicketStore } from '../tickets/types.ts';
import { passedAll, runHiddenCheck } from './hidden.ts';
import { fetchPublished, sourceOf, type RepoCache, type SourceContext } from './repo.ts';
import { isInfraCode, scoreRun, type Bucket, type ModelScore, type TrialRecord } from './score.ts';
import { RunDir } from './store.ts';
import type { EvalTask } from './task.ts';

export interface RunHost {
  config: Config;
  store: TicketStore;
  repos: RepoCache;
  sources: SourceContext;
  /** Where a target's published branches can be fetched from (its forge). */
  forgeOf(target: string | undefined): { url: string; env?: Record<string, string> };
  log?: Logger;
}

export interface RunPlan {
  suite: string;
  tasks: EvalTask[];
  models: string[];
  trials: number;
  /** Hidden checks run at once (trials run as the workers take them). */
  concurrency: number;
}

export interface TrialSpec {
  task: EvalTask;
  model: string;
  trial: number;
  /** What the ticket names as its model: the model, or `replay:<file>` for a scripted one. */
  ticketModel: string;
}

export interface RunProgress {
  /** A trial was queued, started or settled. */
  onTrial?: (spec: TrialSpec, state: 'queued' | 'running' | 'checking' | Bucket, ticket?: Ticket) => void;
}

export interface RunOutcome {
  runId: string;
  dir: string;
  trials: TrialRecord[];
  models: Record<string, ModelScore>;
  /** Trials left out: a scripted model with no trajectory for the task. */
  skipped: string[];
}

/** A model name that plays scripted trajectories: `replay`, or `replay-<set>`. */
export const isReplayModel = (model: string): boolean => model === 'replay' || model.startsWith('replay-');

/** The trials of a plan; a scripted model runs only the tasks that have its trajectory. */
export function planTrials(plan: RunPlan): { specs: TrialSpec[]; skipped: string[] } {
  const specs: TrialSpec[] = [];
  const skipped: string[] = [];
  for (const model of plan.models) {
    for (const task of plan.tasks) {
      const script = task.trajectories[model];
      if (isReplayModel(model) && !script) {
        skipped.push(`${task.name} × ${model}: no trajectories/${model}.jsonl`);
        continue;
      }
      for (let trial = 1; trial <= plan.trials; trial++)
        specs.push({ task, model, trial, ticketModel: script ? `replay:${script}` : model });
    }
  }
  return { specs, skipped };
}

export async function runEvalSuite(
  host: RunHost,
  plan: RunPlan,
  progress: RunProgress = {},
): Promise<RunOutcome> {
  const { specs, skipped } = planTrials(plan);
  const dir = RunDir.create(host.config.home, {
    suite: plan.suite,
    models: plan.models,
    tasks: plan.tasks.map((t) => t.name),
    trials: plan.trials,
    concurrency: plan.concurrency,
  });
  const submitted = await Promise.all(specs.map((spec) => submit(host, spec)));
  for (const s of specs) progress.onTrial?.(s, 'queued');
  const checks = new Semaphore(plan.concurrency);
  const records = await Promise.all(
    specs.map(async (spec, i) => {
      const started = Date.now();
      const ticket = await settled(host.store, submitted[i]!, (t) => progress.onTrial?.(spec, 'running', t));
      const record = await checks.run(() => {
        progress.onTrial?.(spec, 'checking', ticket);
        return scoreTrial(host, spec, ticket);
      });
      record.timings.trialMs = Date.now() - started;
      record.links = dir.link(ticket, spec);
      dir.append(record);
      progress.onTrial?.(spec, record.bucket, ticket);
      return record;
    }),
  );
  const models = scoreRun(records, plan.trials);
  dir.finish({ models, skipped });
  return { runId: dir.id, dir: dir.dir, trials: records, models, skipped };
}

async function submit(host: RunHost, spec: TrialSpec): Promise<string> {
  const { task } = spec;
  const { target } = sourceOf(task, host.sources);
  const { ticket } = await host.store.submit({
    ...(target ? { target } : {}),
    request: {
      text: task.request.trim(),
      source: 'cli',
      requester: 'eval',
      model: spec.ticketModel,
      ...(task.budgets ? { budgets: task.budgets } : {}),
      ...(task.clarifications.length ? { clarifications: task.clarifications } : {}),
    },
  });
  return ticket.id;
}

/** Waits for the ticket to settle (the queue's workers run it). */
async function settled(store: TicketStore, id: string, onRunning: (t: Ticket) => void): Promise<Ticket> {
  let told = false;
  for (;;) {
    const t = await store.get(id);
    if (t && isTerminal(t.status)) return t;
    if (t?.status === 'running' && !told) {
      told = true;
      onRunning(t);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The trial's bucket: the hidden check on the published tree, or why there is no PR. */
export async function scoreTrial(host: RunHost, spec: TrialSpec, ticket: Ticket): Promise<TrialRecord> {
  const base = {
    task: spec.task.name,
    model: spec.model,
    trial: spec.trial,
    ticketId: ticket.id,
    usage: ticket.usage,
    timings: { ...ticket.timings },
    turns: await turnsOf(host.store, ticket.id),
  };
  if (ticket.status !== 'pr_opened' || !ticket.published) {
    const error = ticket.error ?? { code: ticket.status, message: `the ticket ended ${ticket.status}` };
    return { ...base, bucket: isInfraCode(error.code) ? 'infra_error' : 'no_pr', falseProof: false, error };
  }
  try {
    const repo = await host.repos.forTask(spec.task);
    const { target } = sourceOf(spec.task, host.sources);
    const tree = await fetchPublished(
      repo,
      host.forgeOf(target),
      ticket.published.commit,
      ticket.published.branch,
    );
    const t = Date.now();
    const hidden = await runHiddenCheck({ config: host.config, repo, task: spec.task, tree, log: host.log });
    const timings = {
      ...base.timings,
      hiddenCheckMs: Date.now() - t,
      roomMs: hidden.timings.roomMs,
      appMs: hidden.timings.appMs,
    };
    if (hidden.infraError)
      return { ...base, timings, bucket: 'infra_error', falseProof: false, error: hidden.infraError };
    const passed = passedAll(hidden);
    const proof = ticket.evidence?.proof;
    const ownProofPassed =
      proof?.base === 'failed' && proof.head.length > 0 && proof.head.every((h) => h === 'passed');
    return {
      ...base,
      timings,
      bucket: passed ? 'resolved' : 'unresolved',
      falseProof: ownProofPassed && !passed,
      ...(passed
        ? {}
        : { error: { code: 'hidden_check_failed', message: (hidden.failure ?? '').slice(0, 600) } }),
    };
  } catch (error) {
    const e = asCodedError(error);
    return {
      ...base,
      bucket: 'infra_error',
      falseProof: false,
      error: { code: e.code, message: e.message.slice(0, 600) },
    };
  }
}

/** Model turns by agent: the loop records one `usage` event per model response. */
async function turnsOf(store: TicketStore, id: string): Promise<{ coder: number; reviewer: number }> {
  const turns = { coder: 0, reviewer: 0 };
  for (const { event } of await store.timeline(id)) if (event.type === 'usage') turns[event.agent]++;
  return turns;
}

/** At most `n` at once. */
class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly n: number;
  constructor(n: number) {
    this.n = Math.max(1, n);
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.n) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
