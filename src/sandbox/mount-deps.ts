/**
 * Dependencies of a checkout: installed once per (install command + lockfile) into the cache, then
 * mounted read-only at node_modules (isolated) or linked in (no isolation); for a Python target,
 * a virtual environment built once and mounted read-only (python-env.ts). Every checkout a
 * sandbox runs — the agent's worktree, the base, a proven tree — gets them the same way.
 */
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import type { TargetSettings } from '../config/target.ts';
import { CodedError, ErrorCode } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { depsDir, depsKey, ensureDeps, isCached, linkCopy, WRITABLE_CACHE_DIRS } from './deps.ts';
import { runCapped } from './exec.ts';
import { shq, type Mount } from './isolation.ts';
import { registryHosts } from './proxy.ts';
import { ensureVenv, isVenvBuilt, pythonRegistryHosts, pythonTarget, venvDir, venvEnv, venvKey, type PythonTarget } from './python-env.ts';
import type { SandboxRunner } from './runner.ts';

const INSTALL_TIMEOUT_MS = 15 * 60_000;

interface DepsOptions {
  config: { home: string };
  log?: Logger;
}

/** Whether preparing `checkout` will run an install, and the hosts that install may reach. */
export function pendingInstall(home: string, checkout: string, settings: TargetSettings): { hosts: string[] } | undefined {
  const python = pythonTarget(checkout, settings);
  if (python) {
    const key = venvKey(checkout, settings.install, python);
    return key && !isVenvBuilt(home, key) ? { hosts: pythonRegistryHosts() } : undefined;
  }
  const key = depsKey(checkout, settings.install);
  return key && !isCached(home, key) ? { hosts: registryHosts() } : undefined;
}

/** Installs (once per lockfile) and mounts the dependencies of a checkout. */
export async function prepareDeps(
  runner: SandboxRunner,
  checkout: string,
  settings: TargetSettings,
  opts: DepsOptions,
  scratchDir: string,
  label: string,
): Promise<void> {
  const python = pythonTarget(checkout, settings);
  if (python) return prepareVenv(runner, checkout, settings, python, opts, label);
  const key = depsKey(checkout, settings.install);
  if (!key || !settings.install) return;
  const home = opts.config.home;
  const npmCache = path.join(home, 'npm-cache');
  mkdirSync(npmCache, { recursive: true });
  const entry = await ensureDeps(home, key, async () => {
    opts.log?.info({ key, checkout }, 'installing dependencies (cache miss)');
    await runInstall(runner, settings.install!, label, {
      cwd: checkout,
      // The lockfile pins integrity hashes, so a cached tarball needs no round trip to the registry.
      env: { npm_config_cache: runner.isolated ? '/var/cache/npm' : npmCache, npm_config_prefer_offline: 'true' },
      mounts: [{ src: npmCache, dest: '/var/cache/npm', mode: 'rw' }],
    });
    return path.join(checkout, 'node_modules');
  });
  const target = path.join(checkout, 'node_modules');
  if (!runner.isolated) {
    await linkCopy(entry.dir, target);
    return;
  }
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  const mounts: Mount[] = [{ src: depsDir(home, key), dest: target, mode: 'ro' }];
  for (const d of WRITABLE_CACHE_DIRS) {
    const own = path.join(scratchDir, 'node_modules', label, d);
    mkdirSync(own, { recursive: true });
    mounts.push({ src: own, dest: path.join(target, d), mode: 'rw' });
  }
  runner.mounts.push(...mounts);
}

/** Builds (once per key) the target's virtual environment, then puts it read-only on every process's PATH. */
async function prepareVenv(
  runner: SandboxRunner,
  checkout: string,
  settings: TargetSettings,
  python: PythonTarget,
  opts: DepsOptions,
  label: string,
): Promise<void> {
  const key = venvKey(checkout, settings.install, python);
  if (!key || !settings.install) return;
  const home = opts.config.home;
  const dir = venvDir(home, key);
  const pipCache = path.join(home, 'pip-cache');
  mkdirSync(pipCache, { recursive: true });
  await ensureVenv(
    home,
    key,
    async () => {
      opts.log?.info({ key, checkout }, 'building the Python environment (cache miss)');
      const make = `${shq(python.interpreter)} -m venv ${python.systemSitePackages ? '--system-site-packages ' : ''}${shq(dir)}`;
      await runInstall(runner, `${make} && ${settings.install}`, label, {
        cwd: checkout,
        env: {
          ...venvEnv(dir),
          PIP_CACHE_DIR: runner.isolated ? '/var/cache/pip' : pipCache,
          PIP_DISABLE_PIP_VERSION_CHECK: '1',
          PIP_NO_INPUT: '1',
        },
        mounts: [
          { src: dir, dest: dir, mode: 'rw' },
          { src: pipCache, dest: '/var/cache/pip', mode: 'rw' },
        ],
      });
    },
    INSTALL_TIMEOUT_MS,
  );
  Object.assign(runner.env, venvEnv(dir));
  const link = path.join(checkout, '.venv');
  rmSync(link, { recursive: true, force: true });
  if (!runner.isolated) {
    symlinkSync(dir, link);
    return;
  }
  mkdirSync(link);
  runner.mounts.push({ src: dir, dest: dir, mode: 'ro' }, { src: dir, dest: link, mode: 'ro' });
}

/** Runs an install command in the sandbox; a failure says which command and shows its output. */
async function runInstall(
  runner: SandboxRunner,
  command: string,
  label: string,
  run: { cwd: string; env: Record<string, string>; mounts: Mount[] },
): Promise<void> {
  const logPath = path.join(runner.tmpDir, `install-${label}.log`);
  const cmd = runner.shell(command, run);
  const result = await runCapped(cmd, { timeoutMs: INSTALL_TIMEOUT_MS, maxChars: 8000, fullOutputPath: logPath, keepFullOutput: true });
  if (result.exitCode !== 0) {
    throw new CodedError(
      ErrorCode.SandboxFailed,
      `\`${command}\` failed (${result.timedOut ? 'timed out' : `exit ${result.exitCode ?? result.signal}`}):\n${result.output.slice(-3000)}`,
      { hint: 'check `install` (and `python`) in .loopwright.yml and the lockfile', retryable: true },
    );
  }
}
