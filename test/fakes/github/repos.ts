/** Real git repositories for the GitHub tests: a bare "GitHub side" repo and ticket worktrees. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Ana',
  GIT_AUTHOR_EMAIL: 'ana@example.com',
  GIT_COMMITTER_NAME: 'Ana',
  GIT_COMMITTER_EMAIL: 'ana@example.com',
};

export function sh(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    env: ENV,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

/** `<root>/<owner>/<repo>.git`, bare, with one commit on `main` (an app file to change). */
export function makeBareRepo(root: string, owner: string, repo: string): string {
  const bare = path.join(root, owner, `${repo}.git`);
  mkdirSync(bare, { recursive: true });
  sh(bare, 'init', '-q', '--bare', '-b', 'main');
  const seed = mkdtempSync(path.join(os.tmpdir(), 'lw-seed-'));
  sh(seed, 'init', '-q', '-b', 'main');
  writeFileSync(path.join(seed, 'app.js'), 'export const color = "red";\n');
  writeFileSync(path.join(seed, 'README.md'), '# app\n');
  sh(seed, 'add', '-A');
  sh(seed, 'commit', '-q', '-m', 'initial');
  sh(seed, 'push', '-q', bare, 'main');
  return bare;
}

/** A ticket worktree: a clone of the bare repo on a new branch from `from` (default main). */
export function makeWorktree(bare: string, branch: string, from = 'main'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lw-wt-'));
  sh(dir, 'clone', '-q', bare, '.');
  sh(dir, 'checkout', '-q', '-b', branch, `origin/${from}`);
  return dir;
}

/** Every file under `dir` (including .git), for grepping. */
export function allFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      const s = statSync(p);
      if (s.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Files under `dir` whose bytes contain `needle` (also zlib-packed objects are inflated by git, see grepObjects). */
export function filesContaining(dir: string, needle: string): string[] {
  return allFiles(dir).filter((f) => readFileSync(f).includes(needle));
}

/** Whether any object in a repo (loose or packed) contains `needle`, via `git cat-file --batch-all-objects`. */
export function objectsContaining(gitDir: string, needle: string): boolean {
  const out = execFileSync('git', ['--git-dir', gitDir, 'cat-file', '--batch-all-objects', '--batch'], {
    encoding: 'latin1',
    maxBuffer: 256 * 1024 * 1024,
  });
  return out.includes(needle);
}
