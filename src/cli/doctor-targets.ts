/**
 * `doctor`'s line per target: the repo answers, its `.loopwright.yml` (on the base branch) is
 * valid, and it names the install and start commands a sandbox needs.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Config } from '../config/schema.ts';
import { parseTargetSettings } from '../config/target.ts';
import { resolveTargets, type Target } from '../config/targets.ts';
import { gitAuthEnv } from '../forge/github-git.ts';
import { mirrorDirFor, normalizeRepoUrl } from '../sandbox/workspace.ts';
import type { CheckResult } from './check-result.ts';
import { DATADESK_DIR } from './runtime.ts';
import { checkRepoReachable } from './target-runtime.ts';

const execFileP = promisify(execFile);

/** `.loopwright.yml` at the base branch: from the repo itself when local, else from the mirror. */
async function settingsText(config: Config, t: Target): Promise<string | undefined> {
  const repo = normalizeRepoUrl(t.repo ?? DATADESK_DIR);
  const gitDir = existsSync(repo) ? repo : mirrorDirFor(config.home, repo);
  const shown = await execFileP('git', ['-C', gitDir, 'show', `${t.baseBranch}:.loopwright.yml`], {
    timeout: 15_000,
  }).catch(() => undefined);
  if (shown) return shown.stdout;
  // A plain directory (the bundled app, a copy): the working file.
  const file = path.join(repo, '.loopwright.yml');
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

async function checkTarget(config: Config, t: Target): Promise<CheckResult> {
  const name = `target ${t.name}`;
  const where = t.repo ?? 'the bundled Datadesk';
  try {
    // A private GitHub repo answers only with the token (as at start-up, target-runtime.ts).
    await checkRepoReachable(t, t.repo ? gitAuthEnv(t.repo, config.githubToken) : {});
  } catch (error) {
    const e = error as Error & { hint?: string };
    return { name, verdict: 'fail', detail: e.message, fix: e.hint, required: true };
  }
  const text = await settingsText(config, t);
  if (text === undefined) {
    return {
      name,
      verdict: 'warn',
      detail: `${where}: .loopwright.yml not read (a remote repo is read once a worker has fetched it)`,
      required: false,
    };
  }
  try {
    const settings = parseTargetSettings(text, `${t.name}: .loopwright.yml`);
    const missing = (['install', 'start'] as const).filter((k) => !settings[k]);
    if (missing.includes('start')) {
      return {
        name,
        verdict: 'fail',
        detail: `${where}: .loopwright.yml has no start command, so no app can be proven`,
        fix: 'add `start: <command>` ($PORT is set) to .loopwright.yml in the target repo',
        required: true,
      };
    }
    const note = missing.length ? ' (no install command: dependencies are not installed)' : '';
    return {
      name,
      verdict: 'ok',
      detail: `${where} on ${t.baseBranch}; .loopwright.yml valid${note}`,
      required: true,
    };
  } catch (error) {
    const e = error as Error & { hint?: string };
    return { name, verdict: 'fail', detail: e.message.split('\n').join(' '), fix: e.hint, required: true };
  }
}

export async function checkTargets(config: Config): Promise<CheckResult[]> {
  return Promise.all(resolveTargets(config).map((t) => checkTarget(config, t)));
}
