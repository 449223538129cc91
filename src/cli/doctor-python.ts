/**
 * `doctor` for a Python target: the interpreter `.loopwright.yml` names (or `python3` for a repo
 * that is Python by its files) must run inside the sandbox, where PATH holds only the system's
 * /usr — a pyenv or conda shim in the worker's own PATH does not count — and must be able to make
 * a virtual environment (Debian splits `venv` into python3-venv).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Config } from '../config/schema.ts';
import { parseTargetSettings } from '../config/target.ts';
import { gitOut } from '../sandbox/git.ts';
import { pythonTarget, SANDBOX_PATH } from '../sandbox/python-env.ts';
import type { CheckResult } from './check-result.ts';

const run = promisify(execFile);
const PROBE = 'import sys, venv, ensurepip; print(sys.version.split()[0])';

/** The target's Python check; absent when the target is not a local Python repo. */
export async function checkTargetPython(
  config: Pick<Config, 'repo' | 'baseBranch'>,
): Promise<CheckResult | undefined> {
  const repo = config.repo && path.resolve(config.repo);
  if (!repo || !existsSync(repo)) return undefined;
  const gitDir = existsSync(path.join(repo, '.git')) ? path.join(repo, '.git') : repo;
  const branch = config.baseBranch;
  let files: string[];
  let yml = '';
  try {
    files = (await gitOut(['ls-tree', '--name-only', branch], { gitDir })).split('\n').filter(Boolean);
    if (files.includes('.loopwright.yml'))
      yml = await gitOut(['show', `${branch}:.loopwright.yml`], { gitDir });
  } catch {
    return undefined;
  }
  let python;
  try {
    python = pythonTarget((f) => files.includes(f), parseTargetSettings(yml, `.loopwright.yml of ${branch}`));
  } catch {
    return undefined;
  }
  if (!python) return undefined;
  const named = `\`${python.interpreter}\` (the target's Python)`;
  try {
    const { stdout } = await run(python.interpreter, ['-c', PROBE], {
      timeout: 15_000,
      env: { PATH: SANDBOX_PATH },
    });
    return {
      name: 'python',
      verdict: 'ok',
      detail: `${named}: Python ${stdout.trim()} with venv`,
      required: true,
    };
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    return {
      name: 'python',
      verdict: 'fail',
      detail: missing
        ? `${named} is not on the sandbox's PATH (${SANDBOX_PATH})`
        : `${named} cannot make a virtual environment: ${String(
            (error as { stderr?: string }).stderr ?? (error as Error).message,
          )
            .trim()
            .split('\n')
            .at(-1)}`,
      fix: 'apt-get install -y python3 python3-venv (or name an interpreter under /usr in `python` of .loopwright.yml)',
      required: true,
    };
  }
}
