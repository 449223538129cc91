/** The note browser_navigate adds when the app is older than the agent's last edit to a file it serves. */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appFreshness, newestEdit } from '../../src/sandbox/freshness.ts';
import type { AppHandle } from '../../src/sandbox/types.ts';

const root = mkdtempSync(path.join(os.tmpdir(), 'lw-fresh-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Writes `rel` with its modification time `at` (ms since the epoch). */
function touch(rel: string, at: number): void {
  const file = path.join(root, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, rel);
  utimesSync(file, at / 1000, at / 1000);
}

describe('app freshness', () => {
  const started = Date.now() - 60_000;
  const app = { startedAt: started } as AppHandle;
  const note = appFreshness({ worktree: root, app });

  it('says nothing while every served file is older than the app', () => {
    touch('app.py', started - 5000);
    touch('templates/index.html', started - 5000);
    expect(note()).toBeUndefined();
  });

  it('ignores tests, docs, dependencies and generated files edited since', () => {
    for (const f of ['tests/test_app.py', 'README.md', '.venv/lib/x.py', 'node_modules/a/index.js', '__pycache__/app.pyc'])
      touch(f, started + 5000);
    expect(newestEdit(root)?.path).toBe('app.py');
    expect(note()).toBeUndefined();
  });

  it('names the newest edit to a served file and restart_app, once per edit', () => {
    touch('templates/index.html', started + 3000);
    expect(note()).toBe(
      'Note: the app was started before your last edit (templates/index.html, 3 s later). If the app does not reload by itself (Flask outside debug mode, a production server, cached templates), this page is still the old version: call restart_app to pick the edit up.',
    );
    expect(note()).toBeUndefined();
    touch('app.py', started + 8000);
    expect(note()).toContain('(app.py, 8 s later)');
  });

  it('says nothing once the app was restarted after the edit', () => {
    const restarted = appFreshness({ worktree: root, app: { startedAt: started + 10_000 } as AppHandle });
    expect(restarted()).toBeUndefined();
  });
});
