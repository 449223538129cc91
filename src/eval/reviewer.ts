/**
 * `eval reviewer`: the general reviewer agent alone, given each task's reference patch (which it
 * should approve) and wrong patches (which it should not), each as a change to the task's base
 * with read-only file tools over a clean checkout of the patched tree — the way it sees a coder's
 * change, without a coder. Reports how often it approves a correct change and catches a wrong one.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.ts';
import { asCodedError } from '../core/errors.ts';
import type { ReviewVerdict } from '../core/ticket.ts';
import { BudgetTracker } from '../loop/budget.ts';
import type { ChatModel } from '../loop/llm/types.ts';
import { changedPaths } from '../loop/review/panel.ts';
import { runReviewer } from '../loop/reviewer.ts';
import { Transcript } from '../loop/transcript.ts';
import { openCleanRoom } from '../sandbox/sandbox.ts';
import { diffTrees } from '../sandbox/tree.ts';
import { patchedTree, type RepoCache } from './repo.ts';
import type { EvalTask } from './task.ts';

export interface ReviewerCase {
  task: string;
  patch: string;
  /** `reference` should be approved; `wrong` should not. */
  kind: 'reference' | 'wrong';
  verdict?: ReviewVerdict;
  error?: { code: string; message: string };
}

export interface ReviewerScore {
  cases: ReviewerCase[];
  /** Approved references / references reviewed. */
  approveRate: number;
  /** Wrong patches not approved / wrong patches reviewed. */
  catchRate: number;
}

export interface ReviewerOptions {
  config: Config;
  repos: RepoCache;
  /**
   * The reviewer's model for a task (a live one, or a replay of that task's script, closed after
   * the task); undefined skips the task.
   */
  modelFor: (task: EvalTask) => Promise<{ model: ChatModel; close(): Promise<void> } | undefined>;
  outDir: string;
  onCase?: (c: ReviewerCase) => void;
}

export async function reviewPatches(tasks: EvalTask[], opts: ReviewerOptions): Promise<ReviewerScore> {
  const cases: ReviewerCase[] = [];
  for (const task of tasks) {
    const chosen = await opts.modelFor(task);
    if (!chosen) continue;
    const patches = [
      ...(task.reference ? [{ file: task.reference, kind: 'reference' as const }] : []),
      ...task.wrong.map((file) => ({ file, kind: 'wrong' as const })),
    ];
    try {
      for (const p of patches) {
        const c: ReviewerCase = { task: task.name, patch: path.relative(task.dir, p.file), kind: p.kind };
        try {
          c.verdict = await reviewOne(task, p.file, chosen.model, opts);
        } catch (error) {
          const e = asCodedError(error);
          c.error = { code: e.code, message: e.message.slice(0, 400) };
        }
        cases.push(c);
        opts.onCase?.(c);
      }
    } finally {
      await chosen.close();
    }
  }
  const rate = (kind: ReviewerCase['kind'], hit: (v: ReviewVerdict) => boolean) => {
    const done = cases.filter((c) => c.kind === kind && c.verdict);
    return done.length ? done.filter((c) => hit(c.verdict!)).length / done.length : 0;
  };
  return {
    cases,
    approveRate: rate('reference', (v) => v === 'approve'),
    catchRate: rate('wrong', (v) => v !== 'approve'),
  };
}

async function reviewOne(
  task: EvalTask,
  patchFile: string,
  model: ChatModel,
  opts: ReviewerOptions,
): Promise<ReviewVerdict> {
  const repo = await opts.repos.forTask(task);
  const tree = await patchedTree(repo, patchFile);
  const diff = await diffTrees(repo.gitDir, repo.baseCommit, tree);
  const source = { gitDir: repo.gitDir, settings: repo.settings, isolated: opts.config.sandbox !== 'none' };
  const room = await openCleanRoom(opts.config, source, tree, 'review', { deps: false });
  const dir = path.join(opts.outDir, task.name, path.basename(patchFile, '.patch'));
  mkdirSync(dir, { recursive: true });
  try {
    const run = runReviewer({
      // The general reviewer's prompt; the name (reference, wrong-<patch>) keeps each case's conversation apart.
      role: { name: caseName(patchFile), required: true, general: true, paths: [] },
      request: task.request,
      diff,
      changed: changedPaths(diff),
      guardrails: [],
      round: 1,
      model,
      files: { root: room.dir, outputsDir: dir, sandbox: { settings: repo.settings } },
      budget: new BudgetTracker(opts.config.budgets),
      transcript: new Transcript(path.join(dir, 'transcript.jsonl')),
      signal: AbortSignal.timeout(opts.config.stageTimeouts.reviewingMs),
      toolTimeoutMs: opts.config.budgets.toolTimeoutMs,
    });
    for (;;) {
      const next = await run.next();
      if (next.done) return next.value.verdict;
    }
  } finally {
    await room.close().catch(() => undefined);
  }
}

/** `reference`, or `wrong-<patch name>`: the reviewer name a scripted trajectory's turns carry. */
export function caseName(patchFile: string): string {
  const base = path.basename(patchFile, '.patch');
  return base === 'reference' ? 'reference' : `wrong-${base}`;
}
