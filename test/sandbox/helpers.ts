/** Shared set-up for the sandbox tests: a real git repo made from the fixture app, a temp home, config. */
import { git } from '../helpers/git.ts';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configSchema, type Config } from '../../src/config/schema.ts';

export const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/target-app');

/** Why the isolation tests cannot run here; undefined when they can (CI has root and bwrap). */
export function isolationSkipReason(): string | undefined {
  // CI runs as root after `npm run setup` installed bwrap: there, a missing piece fails the tests.
  if (process.env.CI) return undefined;
  if (process.platform !== 'linux') return 'sandbox isolation needs Linux';
  if (!existsSync('/usr/bin/bwrap')) return 'bwrap is not installed (apt-get install bubblewrap)';
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  return undefined;
}


/** A temp dir holding `repo/` (the fixture app committed on `main`) and `home/`; `cleanup` removes it. */
export function makeWorld(): { root: string; repo: string; home: string; cleanup: () => void } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'lw-sbx-'));
  const repo = path.join(root, 'repo');
  cpSync(FIXTURE, repo, { recursive: true });
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'initial');
  return { root, repo, home: path.join(root, 'home'), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Commits a change to a file of the repo (a new base commit or a new lockfile). */
export function commitFile(repo: string, file: string, content: string): void {
  writeFileSync(path.join(repo, file), content);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', `change ${file}`);
}

export function testConfig(home: string, over: Partial<Config> = {}): Config {
  return { ...configSchema.parse({ home, poolSize: 0 }), ...over };
}

export { git };
