/**
 * Generated files are not the change. Interpreters and tools write caches next to the code they
 * run (`__pycache__/`, `.pytest_cache/`, Vite's `.vite/` …); if those reached a snapshot, the diff
 * would carry binary files the guardrails refuse and the PR would carry noise. Two layers keep them
 * out, and neither touches the repository's own `.gitignore`:
 *
 * - the environment of every sandboxed process asks the tools that have a standard switch to write
 *   nothing, or to write under the sandbox's private /tmp (`cacheEnv`);
 * - every snapshot reads an exclude file that Loopwright writes outside every sandbox mount: the
 *   defaults below plus the target's `generated` globs (`writeExcludes`). It replaces the pinned
 *   `core.excludesFile=/dev/null` for that one call, so every worker applies the same rules and
 *   nothing the agent can write changes them.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Well-known generated paths, in gitignore syntax; a target adds its own with `generated`. */
export const DEFAULT_GENERATED = [
  // Python
  '__pycache__/',
  '*.py[cod]',
  '.pytest_cache/',
  '.mypy_cache/',
  '.ruff_cache/',
  '.hypothesis/',
  '.tox/',
  '.nox/',
  '*.egg-info/',
  // No trailing slash: without isolation the environment is linked in as a symlink, not a directory.
  '.venv',
  // Coverage output
  '.coverage',
  '.coverage.*',
  'htmlcov/',
  'coverage.xml',
  '.nyc_output/',
  // Istanbul's files by name: a directory called coverage/ may be source (a coverage page).
  'lcov.info',
  'lcov-report/',
  'coverage-final.json',
  // Node and front-end tool caches
  'node_modules/',
  '*.tsbuildinfo',
  '.eslintcache',
  '.vite/',
  '.parcel-cache/',
  '.turbo/',
  '.next/cache/',
  // Editors and operating systems
  '.DS_Store',
];

/**
 * Variables that stop caches where the tool has a standard one: no bytecode files, and the caches
 * that cannot be turned off go under `tmp` (the sandbox's private /tmp, gone with the sandbox).
 */
export function cacheEnv(tmp: string): Record<string, string> {
  return {
    PYTHONDONTWRITEBYTECODE: '1',
    // A tool that writes bytecode anyway (compileall, some test runners) writes it here instead.
    PYTHONPYCACHEPREFIX: path.join(tmp, 'pycache'),
    PYTEST_ADDOPTS: `-o cache_dir=${path.join(tmp, 'pytest_cache')}`,
    MYPY_CACHE_DIR: path.join(tmp, 'mypy_cache'),
    RUFF_CACHE_DIR: path.join(tmp, 'ruff_cache'),
    COVERAGE_FILE: path.join(tmp, '.coverage'),
  };
}

/** The exclude file's text for a target's `generated` globs. */
export function excludesText(generated: string[]): string {
  const lines = ['# Written by Loopwright: generated files kept out of every snapshot.', ...DEFAULT_GENERATED];
  if (generated.length > 0) lines.push('# .loopwright.yml generated:', ...generated);
  return lines.join('\n') + '\n';
}

/**
 * Writes the exclude file for `generated` under `dir` (a directory no sandbox mounts) and returns
 * its path. Named by its content, so sandboxes with the same settings share one file, and a file
 * once written never changes.
 */
export function writeExcludes(dir: string, generated: string[]): string {
  const text = excludesText(generated);
  const file = path.join(dir, `exclude-${createHash('sha256').update(text).digest('hex').slice(0, 16)}`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    // A rename, so a concurrent reader never sees half a file.
    renameSync(tmp, file);
  }
  return file;
}
