/**
 * The hidden check: a task's acceptance specs, run with Loopwright's own `@playwright/test`
 * against the app of one tree, in a fresh clean room Loopwright opened for it from the eval's own
 * git dir. The specs reach the room only after the agent has finished, so they never enter a
 * sandbox, a worktree, a prompt, a transcript or the evidence; and they never enter the checkout
 * either: the tree's app runs in the room while they do, and whatever it can write (the checkout,
 * the room's /tmp) must not decide the verdict (sandbox/playwright-test.ts). The app starts once
 * per tree; the specs may run several times on it (validation asks for three passes out of three).
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.ts';
import { asCodedError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { redact } from '../core/redact.ts';
import { shq } from '../sandbox/isolation.ts';
import { runSpecs, type SpecFile } from '../sandbox/playwright-test.ts';
import { openCleanRoom } from '../sandbox/sandbox.ts';
import type { AppHandle, Room } from '../sandbox/types.ts';
import type { EvalRepo } from './repo.ts';
import type { EvalTask } from './task.ts';

export interface HiddenCheckResult {
  /** One entry per run: every spec (and the shell check) passed. */
  passes: boolean[];
  /** The room or its app could not be set up: no verdict. */
  infraError?: { code: string; message: string };
  /** The last failing run's output tail. */
  failure?: string;
  timings: { roomMs: number; appMs: number; runMs: number[] };
}

export const passedAll = (r: HiddenCheckResult): boolean =>
  !r.infraError && r.passes.length > 0 && r.passes.every(Boolean);

export interface HiddenCheckOptions {
  config: Config;
  repo: EvalRepo;
  task: EvalTask;
  /** A tree or commit in `repo.gitDir`. */
  tree: string;
  repeat?: number;
  signal?: AbortSignal;
  log?: Logger;
  /** Bound of one spec run. */
  timeoutMs?: number;
}

export async function runHiddenCheck(opts: HiddenCheckOptions): Promise<HiddenCheckResult> {
  const timings = { roomMs: 0, appMs: 0, runMs: [] as number[] };
  const t0 = Date.now();
  let room: Room | undefined;
  let app: AppHandle;
  try {
    const source = {
      gitDir: opts.repo.gitDir,
      settings: opts.repo.settings,
      isolated: opts.config.sandbox !== 'none',
    };
    room = await openCleanRoom(opts.config, source, opts.tree, 'hidden', { log: opts.log });
    timings.roomMs = Date.now() - t0;
    const t1 = Date.now();
    app = await room.startApp();
    timings.appMs = Date.now() - t1;
  } catch (error) {
    await room?.close().catch(() => undefined);
    const e = asCodedError(error);
    return { passes: [], infraError: { code: e.code, message: redact(e.message).slice(0, 600) }, timings };
  }
  try {
    const dir = copyShellCheck(opts.task, room);
    const specs = readSpecs(opts.task);
    const passes: boolean[] = [];
    let failure: string | undefined;
    for (let i = 0; i < (opts.repeat ?? 1); i++) {
      const t = Date.now();
      const verdict = await runOnce(opts, room, { dir, specs }, app.url, i);
      timings.runMs.push(Date.now() - t);
      passes.push(verdict.ok);
      if (!verdict.ok) failure = verdict.why;
    }
    return { passes, ...(failure ? { failure } : {}), timings };
  } finally {
    await room.close().catch(() => undefined);
  }
}

/** The shell check, in a directory of the worker's own that the run mounts read-only. */
function copyShellCheck(task: EvalTask, room: Room): string {
  const dir = path.join(room.scratch, 'hidden-shell');
  mkdirSync(path.join(dir, 'tmp'), { recursive: true });
  if (task.hiddenShell) copyFileSync(task.hiddenShell, path.join(dir, 'check.sh'));
  return dir;
}

/** The hidden specs, read once per check (validation runs them three times). */
function readSpecs(task: EvalTask): SpecFile[] {
  return task.hiddenSpecs.map((name) => ({
    name,
    content: readFileSync(path.join(task.dir, 'hidden', name), 'utf8'),
  }));
}

async function runOnce(
  opts: HiddenCheckOptions,
  room: Room,
  { dir, specs }: { dir: string; specs: SpecFile[] },
  baseUrl: string,
  i: number,
): Promise<{ ok: boolean; why?: string }> {
  const timeoutMs = opts.timeoutMs ?? 180_000;
  if (opts.task.hiddenSpecs.length) {
    const r = await runSpecs(room, {
      specs,
      runner: 'loopwright',
      baseUrl,
      timeoutMs,
      signal: opts.signal,
      chromiumPath: opts.config.chromiumPath,
      label: `hidden-${i}`,
      // A missing control fails in seconds, not at the test's timeout.
      actionTimeoutMs: 10_000,
    });
    if (!r.ok) return { ok: false, why: `${r.how}: ${r.tail}` };
  }
  if (opts.task.hiddenShell) {
    // In the checkout (a shell check may read the tree), but the script and its /tmp are ours.
    const r = await room.exec(`BASE_URL=${shq(baseUrl)} bash ${shq(path.join(dir, 'check.sh'))}`, {
      timeoutMs,
      signal: opts.signal,
      mounts: [{ src: dir, dest: dir, mode: 'ro' }],
      tmpDir: path.join(dir, 'tmp'),
    });
    if (r.exitCode !== 0 || r.timedOut)
      return { ok: false, why: `check.sh failed: ${redact(r.output.slice(-600))}` };
  }
  return { ok: true };
}
