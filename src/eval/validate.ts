/**
 * `eval validate`: a task is admitted only when its hidden check can tell right from wrong — it
 * fails on the base commit, passes on the reference patch three times out of three (one app, three
 * runs: a check that passes only sometimes is reported flaky), and fails on every wrong patch.
 */
import type { Config } from '../config/schema.ts';
import { asCodedError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { runHiddenCheck, type HiddenCheckResult } from './hidden.ts';
import { baseTree, patchedTree, type RepoCache } from './repo.ts';
import type { EvalTask } from './task.ts';
import path from 'node:path';

/** The fixed line of `eval validate --json`, per task. */
export interface TaskVerdict {
  name: string;
  admitted: boolean;
  reasons: string[];
}

export interface ValidateOptions {
  config: Config;
  repos: RepoCache;
  log?: Logger;
  /** How many tasks are checked at once. */
  concurrency?: number;
  signal?: AbortSignal;
  /** Told as each task settles (the progress display). */
  onTask?: (verdict: TaskVerdict, ms: number) => void;
}

export const REFERENCE_RUNS = 3;

export async function validateTasks(tasks: EvalTask[], opts: ValidateOptions): Promise<TaskVerdict[]> {
  const out: TaskVerdict[] = new Array(tasks.length);
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const i = next++;
      const t = Date.now();
      out[i] = await validateTask(tasks[i]!, opts).catch((error) => ({
        name: tasks[i]!.name,
        admitted: false,
        reasons: [asCodedError(error).describe()],
      }));
      opts.onTask?.(out[i]!, Date.now() - t);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 1) }, lane));
  return out;
}

export async function validateTask(task: EvalTask, opts: ValidateOptions): Promise<TaskVerdict> {
  const reasons: string[] = [];
  if (!task.reference) reasons.push('no reference.patch');
  if (!task.wrong.length) reasons.push('no wrong/*.patch');
  const repo = await opts.repos.forTask(task);
  const check = (tree: string, repeat = 1) =>
    runHiddenCheck({ config: opts.config, repo, task, tree, repeat, log: opts.log, signal: opts.signal });
  const infra = (what: string, r: HiddenCheckResult) =>
    r.infraError
      ? `${what}: could not run the hidden check (${r.infraError.code}: ${r.infraError.message})`
      : undefined;

  const base = await check(await baseTree(repo));
  const baseWhy =
    infra('base', base) ??
    (base.passes[0] ? 'the hidden check passes on the base commit: it proves nothing' : undefined);
  if (baseWhy) reasons.push(baseWhy);

  // A patch that does not apply is a reason like any other: the other patches are still checked.
  const tree = async (patch: string) =>
    patchedTree(repo, patch).catch((error: unknown) => {
      reasons.push(asCodedError(error).message);
      return undefined;
    });
  const refTree = task.reference ? await tree(task.reference) : undefined;
  if (task.reference && refTree) {
    const ref = await check(refTree, REFERENCE_RUNS);
    const passed = ref.passes.filter(Boolean).length;
    const why =
      infra('reference', ref) ??
      (passed === 0
        ? `the hidden check fails on reference.patch: ${ref.failure ?? ''}`.trim()
        : passed < REFERENCE_RUNS
          ? `flaky: the hidden check passed ${passed}/${REFERENCE_RUNS} runs on reference.patch: ${ref.failure ?? ''}`.trim()
          : undefined);
    if (why) reasons.push(why.slice(0, 900));
  }

  for (const wrong of task.wrong) {
    const wrongTree = await tree(wrong);
    if (!wrongTree) continue;
    const r = await check(wrongTree);
    const name = `wrong/${path.basename(wrong)}`;
    const why =
      infra(name, r) ??
      (r.passes[0] ? `the hidden check passes on ${name}: it does not catch it` : undefined);
    if (why) reasons.push(why);
  }
  return { name: task.name, admitted: reasons.length === 0, reasons };
}
