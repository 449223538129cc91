/**
 * The eval's own trusted git dir for a task's repository: a bare copy under
 * `$LOOPWRIGHT_HOME/evals/repos/`, made once per source. The base commit, the trees of the
 * reference and wrong patches, and the trees trials published (fetched from the forge) all live
 * here, so every hidden check opens its room from a git dir no agent ever touched.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseTargetSettings, targetSettingsSchema, type TargetSettings } from '../config/target.ts';
import { CodedError, ErrorCode } from '../core/errors.ts';
import { git, gitOut } from '../sandbox/git.ts';
import { applyPatchToTree, identityEnv, treeOf } from '../sandbox/tree.ts';
import type { EvalTask } from './task.ts';

/** Files never copied when a plain directory is imported. */
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'coverage', 'test-results', '.vite']);
const AUTHOR = { name: 'Loopwright eval', email: 'eval@loopwright.invalid' };

export interface EvalRepo {
  gitDir: string;
  /** The base commit the tasks start from. */
  baseCommit: string;
  /** `.loopwright.yml` as the base commit has it: how the hidden check's room starts the app. */
  settings: TargetSettings;
  /** A scratch directory for private index files. */
  scratch: string;
}

const isGitSource = (source: string) =>
  /^[a-z+]+:\/\//.test(source) ||
  /^[\w.-]+@[\w.-]+:/.test(source) ||
  source.endsWith('.git') ||
  existsSync(path.join(source, '.git'));

/** The bare copy of `source` (made on first use; concurrent callers end with one). */
export async function ensureRepo(home: string, source: string, baseBranch: string): Promise<string> {
  const key = createHash('sha256').update(path.resolve(source)).digest('hex').slice(0, 12);
  const gitDir = path.join(
    path.resolve(home),
    'evals',
    'repos',
    `${path.basename(source).replace(/\.git$/, '')}-${key}.git`,
  );
  if (existsSync(path.join(gitDir, 'HEAD'))) return gitDir;
  mkdirSync(path.dirname(gitDir), { recursive: true });
  const tmp = mkdtempSync(`${gitDir}.tmp-`);
  try {
    const bare = path.join(tmp, 'repo.git');
    if (isGitSource(source)) {
      await git(['clone', '--bare', '-q', source, bare], { cwd: tmp, timeoutMs: 600_000 });
    } else {
      const work = path.join(tmp, 'work');
      cpSync(source, work, {
        recursive: true,
        filter: (src) => !SKIP_DIRS.has(path.basename(src)) || src === source,
      });
      await git(['init', '-q', '-b', baseBranch], { cwd: work });
      await git(['add', '-A'], { cwd: work });
      await git(['commit', '-qm', `Import ${path.basename(source)}`], {
        cwd: work,
        env: identityEnv(AUTHOR),
      });
      await git(['clone', '--bare', '-q', work, bare], { cwd: tmp });
    }
    try {
      renameSync(bare, gitDir);
    } catch (error) {
      if (!existsSync(path.join(gitDir, 'HEAD'))) throw error;
    }
    return gitDir;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Opens the repo at `base` (a branch or commit) and reads the settings the room runs by. */
export async function openEvalRepo(home: string, source: string, base: string): Promise<EvalRepo> {
  const gitDir = await ensureRepo(home, source, base);
  const baseCommit = (
    await gitOut(['rev-parse', '--verify', `${base}^{commit}`], {
      gitDir,
      errorCode: ErrorCode.BadRequest,
    }).catch(() => {
      throw new CodedError(ErrorCode.BadRequest, `${source} has no branch or commit "${base}"`, {
        hint: 'set `base` in task.yml to a branch or commit of the repository',
      });
    })
  ).trim();
  const yml = await git(['show', `${baseCommit}:.loopwright.yml`], { gitDir, okCodes: [128] });
  const settings = yml.code === 0 ? parseTargetSettings(yml.stdout) : targetSettingsSchema.parse({});
  const scratch = path.join(path.resolve(home), 'evals', 'scratch');
  mkdirSync(scratch, { recursive: true });
  return { gitDir, baseCommit, settings, scratch };
}

/** The tree of the base commit with `patchFile` applied; `bad_request` naming the patch if it does not apply. */
export async function patchedTree(repo: EvalRepo, patchFile: string): Promise<string> {
  try {
    return await applyPatchToTree(
      repo.gitDir,
      repo.baseCommit,
      readFileSync(patchFile, 'utf8'),
      repo.scratch,
    );
  } catch (error) {
    throw new CodedError(
      ErrorCode.BadRequest,
      `${patchFile} does not apply to ${repo.baseCommit.slice(0, 12)}: ${(error as Error).message}`,
      {
        hint: "make the patch with `git diff` against the task's base commit",
      },
    );
  }
}

export const baseTree = (repo: EvalRepo): Promise<string> => treeOf(repo.gitDir, repo.baseCommit);

/** Fetches a published branch from the forge into the eval repo; returns the commit's tree. */
export async function fetchPublished(
  repo: EvalRepo,
  from: { url: string; env?: Record<string, string> },
  commit: string,
  branch: string,
): Promise<string> {
  const have = await git(['cat-file', '-e', `${commit}^{commit}`], {
    gitDir: repo.gitDir,
    okCodes: [1, 128],
  });
  if (have.code !== 0) {
    await git(['fetch', '-q', from.url, `+refs/heads/${branch}:refs/eval/${branch}`], {
      gitDir: repo.gitDir,
      env: from.env,
      timeoutMs: 300_000,
    });
  }
  return treeOf(repo.gitDir, commit);
}

/** Where a task's repository comes from: its `repo`, its `target`'s repo, or the bundled app. */
export interface SourceContext {
  home: string;
  targets: { name: string; repo?: string; baseBranch: string }[];
  /** The repo of a target without one (the bundled Datadesk). */
  defaultSource: string;
  /** Run once per repo before its first use (filling the dependency cache). */
  prepare?: (repo: EvalRepo, base: string) => Promise<void>;
}

export function sourceOf(
  task: EvalTask,
  ctx: SourceContext,
): { source: string; base: string; target?: string } {
  if (task.repoSource) return { source: task.repoSource, base: task.base ?? 'main' };
  const name = task.target ?? ctx.targets[0]?.name;
  const target = ctx.targets.find((t) => t.name === name);
  if (!target) {
    throw new CodedError(
      ErrorCode.BadRequest,
      `task ${task.name} names target "${name}", which is not configured`,
      {
        hint: `use one of: ${ctx.targets.map((t) => t.name).join(', ')}, or give the task a \`repo\``,
      },
    );
  }
  return {
    source: target.repo ?? ctx.defaultSource,
    base: task.base ?? target.baseBranch,
    target: target.name,
  };
}

/** One open repo per (source, base), shared by the tasks on it. */
export class RepoCache {
  private readonly open = new Map<string, Promise<EvalRepo>>();
  private readonly ctx: SourceContext;
  constructor(ctx: SourceContext) {
    this.ctx = ctx;
  }

  forTask(task: EvalTask): Promise<EvalRepo> {
    const { source, base } = sourceOf(task, this.ctx);
    const key = `${source}\0${base}`;
    let repo = this.open.get(key);
    if (!repo) {
      repo = openEvalRepo(this.ctx.home, source, base).then(
        async (r) => (await this.ctx.prepare?.(r, base), r),
      );
      repo.catch(() => this.open.delete(key));
      this.open.set(key, repo);
    }
    return repo;
  }
}
