/**
 * Dependencies of a Python target, the way node_modules works for a Node one (deps.ts): the
 * target's `install` runs once per (interpreter + install command + lock or requirements file)
 * inside a virtual environment Loopwright made, and every sandbox then sees that environment
 * read-only. Its `bin/` leads PATH and VIRTUAL_ENV names it, so `python`, `pip` and the console
 * scripts of installed packages (`flask`, `streamlit`, `pytest`) are the environment's; it is also
 * bound at `<checkout>/.venv` for commands that name it.
 *
 * A virtual environment is not relocatable (console scripts start with its absolute path), so it
 * is built where it stays — `$LOOPWRIGHT_HOME/deps/<key>/venv` — and isolated sandboxes see it at
 * that same path. A lock directory next to it keeps a second process from building into it at the
 * same time; `.complete` marks a finished build.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TargetSettings } from '../config/target.ts';

/** Files that pin a Python project's dependencies, in order of preference; the first present keys the cache. */
export const PYTHON_LOCKFILES = [
  'uv.lock',
  'poetry.lock',
  'pdm.lock',
  'Pipfile.lock',
  'requirements.lock',
  'requirements.txt',
  'pyproject.toml',
];

export interface PythonTarget {
  interpreter: string;
  systemSitePackages: boolean;
}

/**
 * The Python settings of a checkout (a directory, or `has` telling which root files a commit
 * holds): `python` in .loopwright.yml, or a Python repo without package.json.
 */
export function pythonTarget(
  checkout: string | ((file: string) => boolean),
  settings: Pick<TargetSettings, 'python'>,
): PythonTarget | undefined {
  if (settings.python) return settings.python;
  const has = typeof checkout === 'string' ? (f: string) => existsSync(path.join(checkout, f)) : checkout;
  if (has('package.json')) return undefined;
  return PYTHON_LOCKFILES.some(has) ? { interpreter: 'python3', systemSitePackages: false } : undefined;
}

/** PATH inside a sandbox before any environment: only the system's /usr is mounted there. */
export const SANDBOX_PATH = '/usr/local/bin:/usr/bin:/bin';

/** The cache key of a Python checkout's environment; absent when there is nothing to install. */
export function venvKey(checkout: string, install: string | undefined, python: PythonTarget): string | undefined {
  if (!install) return undefined;
  const hash = createHash('sha256').update('venv\0').update(install).update('\0');
  hash.update(`${python.interpreter}\0${python.systemSitePackages}\0`);
  const lock = PYTHON_LOCKFILES.find((f) => existsSync(path.join(checkout, f)));
  if (lock) hash.update(lock).update('\0').update(readFileSync(path.join(checkout, lock)));
  return hash.digest('hex').slice(0, 24);
}

export const venvRoot = (home: string, key: string): string => path.join(home, 'deps', key);
export const venvDir = (home: string, key: string): string => path.join(venvRoot(home, key), 'venv');
export const isVenvBuilt = (home: string, key: string): boolean =>
  existsSync(path.join(venvRoot(home, key), '.complete'));

/** What every process of a sandbox with this environment gets. */
export function venvEnv(dir: string): Record<string, string> {
  return { VIRTUAL_ENV: dir, PATH: `${dir}/bin:${SANDBOX_PATH}` };
}

/** The package index hosts an install may reach through the allowlisting proxy. */
export function pythonRegistryHosts(env: NodeJS.ProcessEnv = process.env): string[] {
  const index = env.PIP_INDEX_URL;
  if (index) {
    try {
      return [new URL(index).host];
    } catch {
      /* fall through to PyPI */
    }
  }
  return ['pypi.org', 'files.pythonhosted.org'];
}

const inflight = new Map<string, Promise<void>>();
const POLL_MS = 250;

/**
 * Builds the environment for `key` with `build` unless it is built already. Callers in this process
 * share one build; another process waits for the lock holder's build, and takes the lock over when
 * its holder died or stayed past `timeoutMs`.
 */
export function ensureVenv(home: string, key: string, build: (dir: string) => Promise<void>, timeoutMs: number): Promise<void> {
  if (isVenvBuilt(home, key)) return Promise.resolve();
  const running = inflight.get(key);
  if (running) return running;
  const job = (async () => {
    try {
      while (!isVenvBuilt(home, key)) {
        if (!takeLock(home, key, timeoutMs)) {
          await new Promise((r) => setTimeout(r, POLL_MS));
          continue;
        }
        try {
          if (isVenvBuilt(home, key)) return;
          const dir = venvDir(home, key);
          rmSync(dir, { recursive: true, force: true });
          mkdirSync(dir, { recursive: true });
          try {
            await build(dir);
          } catch (error) {
            rmSync(dir, { recursive: true, force: true });
            throw error;
          }
          writeFileSync(path.join(venvRoot(home, key), '.complete'), new Date().toISOString());
        } finally {
          rmSync(lockDir(home, key), { recursive: true, force: true });
        }
      }
    } finally {
      inflight.delete(key);
    }
  })();
  inflight.set(key, job);
  return job;
}

const lockDir = (home: string, key: string) => path.join(home, 'deps', `${key}.lock`);

/** Takes the build lock (an atomic mkdir holding the owner's pid); false while another live build holds it. */
function takeLock(home: string, key: string, timeoutMs: number): boolean {
  const lock = lockDir(home, key);
  mkdirSync(path.dirname(lock), { recursive: true });
  try {
    mkdirSync(lock);
  } catch {
    if (lockAlive(lock, timeoutMs)) return false;
    rmSync(lock, { recursive: true, force: true });
    return false;
  }
  writeFileSync(path.join(lock, 'owner'), JSON.stringify({ pid: process.pid, at: Date.now() }));
  return true;
}

function lockAlive(lock: string, timeoutMs: number): boolean {
  let owner: { pid: number; at: number };
  try {
    owner = JSON.parse(readFileSync(path.join(lock, 'owner'), 'utf8')) as typeof owner;
  } catch {
    // Just made and its owner not yet written, unless that was long ago (the maker died in between).
    try {
      return Date.now() - statSync(lock).mtimeMs < 10_000;
    } catch {
      return false;
    }
  }
  if (Date.now() - owner.at > timeoutMs) return false;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch {
    return false;
  }
}
