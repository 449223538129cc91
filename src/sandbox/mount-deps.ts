/**
 * Dependencies of a checkout: installed once per (install command + lockfile) into the cache, then
 * mounted read-only at node_modules (isolated) or linked in (no isolation). Every checkout a
 * sandbox runs — the agent's worktree, the base, a proven tree — gets them the same way.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { TargetSettings } from '../config/target.ts';
import { CodedError, ErrorCode } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { depsDir, depsKey, ensureDeps, linkCopy, WRITABLE_CACHE_DIRS } from './deps.ts';
import { runCapped } from './exec.ts';
import type { Mount } from './isolation.ts';
import type { SandboxRunner } from './runner.ts';

const INSTALL_TIMEOUT_MS = 15 * 60_000;

/** Installs (once per lockfile) and mounts the dependencies of a checkout. */
export async function prepareDeps(
  runner: SandboxRunner,
  checkout: string,
  settings: TargetSettings,
  opts: { config: { home: string }; log?: Logger },
  scratchDir: string,
  label: string,
): Promise<void> {
  const key = depsKey(checkout, settings.install);
  if (!key || !settings.install) return;
  const home = opts.config.home;
  const npmCache = path.join(home, 'npm-cache');
  mkdirSync(npmCache, { recursive: true });
  const entry = await ensureDeps(home, key, async () => {
    const logPath = path.join(runner.tmpDir, `install-${label}.log`);
    opts.log?.info({ key, checkout }, 'installing dependencies (cache miss)');
    const cmd = runner.shell(settings.install!, {
      cwd: checkout,
      // The lockfile pins integrity hashes, so a cached tarball needs no round trip to the registry.
      env: { npm_config_cache: runner.isolated ? '/var/cache/npm' : npmCache, npm_config_prefer_offline: 'true' },
      mounts: [{ src: npmCache, dest: '/var/cache/npm', mode: 'rw' }],
    });
    const result = await runCapped(cmd, { timeoutMs: INSTALL_TIMEOUT_MS, maxChars: 8000, fullOutputPath: logPath, keepFullOutput: true });
    if (result.exitCode !== 0) {
      throw new CodedError(
        ErrorCode.SandboxFailed,
        `\`${settings.install}\` failed (${result.timedOut ? 'timed out' : `exit ${result.exitCode ?? result.signal}`}):\n${result.output.slice(-3000)}`,
        { hint: 'check `install` in .loopwright.yml and the lockfile', retryable: true },
      );
    }
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
