/**
 * An eval task (`<suite>/<task>/`): `task.yml` (the request as a requester would write it, the
 * target and base, optional clarifications, budgets and tags), `hidden/` (the acceptance check:
 * `*.spec.ts` run with `@playwright/test` against `BASE_URL`, optionally `check.sh`),
 * `reference.patch` (a correct solution) and `wrong/*.patch` (plausible wrong ones). Scripted
 * trajectories for the replay model live in `trajectories/<model>.jsonl`.
 *
 * The hidden files are only ever read here, by the worker: nothing in this module hands them to a
 * sandbox, a prompt or the evidence.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import picomatch from 'picomatch';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Budgets } from '../config/schema.ts';
import { CodedError, ErrorCode } from '../core/errors.ts';

/** The suite shipped with Loopwright: tasks over the bundled Datadesk app. */
export const BUNDLED_SUITE = fileURLToPath(new URL('../../evals', import.meta.url));

const count = z.number().int().positive().optional();
/** Budgets the task sets over the target's; one left out keeps the target's (no defaults here). */
const budgetOverrides = z
  .object({
    maxTurns: count,
    maxTokens: count,
    maxCostUsd: z.number().positive().optional(),
    maxWallMs: count,
    toolTimeoutMs: count,
    maxReviewRounds: z.number().int().nonnegative().optional(),
    maxProofAttempts: count,
    compactAtTokens: count,
  })
  .strict() satisfies z.ZodType<Partial<Budgets>>;

export const taskFileSchema = z
  .object({
    request: z.string().trim().min(1, 'the request text is required'),
    /** A configured target's name (e.g. `datadesk`). */
    target: z.string().min(1).optional(),
    /** A path (relative to the task directory, or absolute) or a git URL of the repository. */
    repo: z.string().min(1).optional(),
    /** A branch or commit; default the target's base branch. */
    base: z.string().min(1).optional(),
    budgets: budgetOverrides.optional(),
    tags: z.array(z.string()).default([]),
    /** Answers a requester would give in the thread, known to the agent from the start. */
    clarifications: z.array(z.string()).default([]),
  })
  .strict()
  .refine((t) => !(t.target && t.repo), { message: 'name either `target` or `repo`, not both' });

export type TaskFile = z.infer<typeof taskFileSchema>;

export interface EvalTask extends TaskFile {
  name: string;
  dir: string;
  /** `repo` resolved: an absolute path or a URL. */
  repoSource?: string;
  /** `hidden/*.spec.ts`, file names. */
  hiddenSpecs: string[];
  /** `hidden/check.sh`, when present: a shell check run in the room after the specs. */
  hiddenShell?: string;
  reference?: string;
  /** `wrong/*.patch`, absolute paths, sorted. */
  wrong: string[];
  /** Model name → `trajectories/<model>.jsonl` (the replay model's script for this task). */
  trajectories: Record<string, string>;
}

const isUrl = (s: string) => /^[a-z+]+:\/\//.test(s) || /^[\w.-]+@[\w.-]+:/.test(s);

const invalid = (where: string, why: string) =>
  new CodedError(ErrorCode.BadRequest, `${where}: ${why}`, {
    hint: 'fix the task (task.yml names `request` and `target` or `repo`; hidden/ holds *.spec.ts)',
  });

/** Reads one task directory; throws `bad_request` naming the file and what is wrong. */
export function loadTask(dir: string): EvalTask {
  const name = path.basename(dir);
  const file = path.join(dir, 'task.yml');
  if (!existsSync(file)) throw invalid(file, 'missing');
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw invalid(file, `not valid YAML: ${(error as Error).message}`);
  }
  const parsed = taskFileSchema.safeParse(raw ?? {});
  if (!parsed.success) throw invalid(file, z.prettifyError(parsed.error));
  const t = parsed.data;
  const hiddenDir = path.join(dir, 'hidden');
  const hidden = existsSync(hiddenDir) ? readdirSync(hiddenDir).sort() : [];
  const hiddenSpecs = hidden.filter((f) => f.endsWith('.spec.ts'));
  const hiddenShell = hidden.includes('check.sh') ? path.join(hiddenDir, 'check.sh') : undefined;
  if (!hiddenSpecs.length && !hiddenShell) throw invalid(hiddenDir, 'no *.spec.ts and no check.sh');
  const listed = (sub: string, ext: string) => {
    const d = path.join(dir, sub);
    return existsSync(d)
      ? readdirSync(d)
          .filter((f) => f.endsWith(ext))
          .sort()
      : [];
  };
  const reference = path.join(dir, 'reference.patch');
  return {
    ...t,
    name,
    dir,
    repoSource: t.repo && (isUrl(t.repo) ? t.repo : path.resolve(dir, t.repo)),
    hiddenSpecs,
    hiddenShell,
    reference: existsSync(reference) ? reference : undefined,
    wrong: listed('wrong', '.patch').map((f) => path.join(dir, 'wrong', f)),
    trajectories: Object.fromEntries(
      listed('trajectories', '.jsonl').map((f) => [
        f.slice(0, -'.jsonl'.length),
        path.join(dir, 'trajectories', f),
      ]),
    ),
  };
}

/** Every task of a suite directory (sub-directories with a task.yml), filtered by a name glob. */
export function loadSuite(suiteDir: string, tasksGlob?: string): EvalTask[] {
  const dir = path.resolve(suiteDir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new CodedError(ErrorCode.BadRequest, `no suite directory at ${dir}`, {
      hint: 'pass --suite DIR (a directory of task directories), or leave it out for the bundled suite',
    });
  }
  const match = tasksGlob ? picomatch(tasksGlob.split(',').map((g) => g.trim())) : () => true;
  const tasks = readdirSync(dir)
    .filter((d) => existsSync(path.join(dir, d, 'task.yml')) && match(d))
    .sort()
    .map((d) => loadTask(path.join(dir, d)));
  if (!tasks.length) {
    throw new CodedError(
      ErrorCode.BadRequest,
      `no task in ${dir}${tasksGlob ? ` matches --tasks ${tasksGlob}` : ''}`,
      { hint: 'a task is a directory with task.yml, hidden/ and reference.patch' },
    );
  }
  return tasks;
}
