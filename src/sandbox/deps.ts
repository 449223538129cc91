/**
 * The dependency cache: `.loopwright.yml`'s `install` runs once per lockfile hash, into
 * `$LOOPWRIGHT_HOME/deps/<hash>/node_modules`. Isolated sandboxes see that directory read-only at
 * `<worktree>/node_modules` (a bind mount inside bwrap), with writable per-sandbox directories bound
 * over the tool caches that write there (Vite's `.vite`, `.cache`), so no sandbox can change what
 * another one loads. Without isolation the cache is hardlink-copied (`cp -al`), which is fast but
 * shares inodes: an unisolated agent could corrupt it, one more reason that mode is warned about.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Lockfiles, in order of preference; the first present one keys the cache. */
export const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json', 'pnpm-lock.yaml', 'yarn.lock', 'bun.lock'];

/** Directories under node_modules that tools write at run time; each sandbox gets its own. */
export const WRITABLE_CACHE_DIRS = ['.vite', '.cache', '.vite-temp'];

/** The cache key of a checkout: the install command plus its lockfile; absent when there is nothing to install. */
export function depsKey(worktree: string, install: string | undefined): string | undefined {
  if (!install) return undefined;
  const hash = createHash('sha256').update(install).update('\0');
  const lock = LOCKFILES.find((f) => existsSync(path.join(worktree, f)));
  if (lock) hash.update(lock).update('\0').update(readFileSync(path.join(worktree, lock)));
  else if (existsSync(path.join(worktree, 'package.json'))) hash.update(readFileSync(path.join(worktree, 'package.json')));
  return hash.digest('hex').slice(0, 24);
}

export interface DepsCacheEntry {
  key: string;
  /** The finished node_modules directory. */
  dir: string;
}

/**
 * Runs the install in a checkout and resolves with the node_modules directory it produced, which
 * the cache then takes over (a rename, so the checkout is left without it).
 */
export type Installer = () => Promise<string>;

const inflight = new Map<string, Promise<DepsCacheEntry>>();

export function depsDir(home: string, key: string): string {
  return path.join(home, 'deps', key, 'node_modules');
}

export function isCached(home: string, key: string): boolean {
  return existsSync(path.join(home, 'deps', key, '.complete'));
}

/**
 * Returns the cache entry for `key`, running `installer` when it is missing. Concurrent callers in
 * this process share one install; another process installing the same key at once only costs time
 * (the rename below keeps whichever finished first).
 */
export function ensureDeps(home: string, key: string, installer: Installer): Promise<DepsCacheEntry> {
  const dir = depsDir(home, key);
  if (isCached(home, key)) return Promise.resolve({ key, dir });
  const running = inflight.get(key);
  if (running) return running;
  const job = (async () => {
    const root = path.join(home, 'deps', key);
    const staging = path.join(home, 'deps', `${key}.staging-${process.pid}-${Date.now()}`);
    const stagingModules = path.join(staging, 'node_modules');
    mkdirSync(staging, { recursive: true });
    try {
      const produced = await installer();
      if (existsSync(produced)) renameSync(produced, stagingModules);
      else mkdirSync(stagingModules);
      for (const d of WRITABLE_CACHE_DIRS) mkdirSync(path.join(stagingModules, d), { recursive: true });
      writeFileSync(path.join(staging, '.complete'), new Date().toISOString());
      if (!isCached(home, key)) {
        rmSync(root, { recursive: true, force: true });
        renameSync(staging, root);
      }
    } finally {
      rmSync(staging, { recursive: true, force: true });
      inflight.delete(key);
    }
    return { key, dir };
  })();
  inflight.set(key, job);
  return job;
}

/** Hardlink copy of a cache entry into a worktree (the unisolated mode only). */
export function linkCopy(from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    rmSync(to, { recursive: true, force: true });
    const child = spawn('cp', ['-al', from, to], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`cp -al exited with ${code}`))));
  });
}
