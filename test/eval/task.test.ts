import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLED_SUITE, loadSuite, loadTask } from '../../src/eval/task.ts';

const root = mkdtempSync(path.join(os.tmpdir(), 'lw-evaltask-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function task(name: string, yml: string, files: Record<string, string> = { 'hidden/a.spec.ts': '' }): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'task.yml'), yml);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

describe('eval tasks', () => {
  it('reads task.yml, the hidden specs, the patches and the trajectories', () => {
    const dir = task(
      'full',
      'request: Add a thing\ntarget: datadesk\nbase: main\nbudgets: { maxTurns: 9 }\ntags: [kpi]\nclarifications: [Use net]\n',
      {
        'hidden/b.spec.ts': '',
        'hidden/a.spec.ts': '',
        'hidden/check.sh': 'true',
        'reference.patch': '',
        'wrong/z.patch': '',
        'wrong/a.patch': '',
        'trajectories/replay.jsonl': '',
      },
    );
    const t = loadTask(dir);
    expect(t).toMatchObject({
      name: 'full',
      request: 'Add a thing',
      target: 'datadesk',
      base: 'main',
      budgets: { maxTurns: 9 },
      tags: ['kpi'],
      clarifications: ['Use net'],
      hiddenSpecs: ['a.spec.ts', 'b.spec.ts'],
      reference: path.join(dir, 'reference.patch'),
      wrong: [path.join(dir, 'wrong', 'a.patch'), path.join(dir, 'wrong', 'z.patch')],
      trajectories: { replay: path.join(dir, 'trajectories', 'replay.jsonl') },
    });
    expect(t.hiddenShell).toBe(path.join(dir, 'hidden', 'check.sh'));
    // A budget the task leaves out is not filled in: the target's stands.
    expect(t.budgets).toEqual({ maxTurns: 9 });
  });

  it('resolves a relative repo against the task directory and keeps a URL', () => {
    expect(loadTask(task('rel', 'request: x\nrepo: ../app\n')).repoSource).toBe(path.join(root, 'app'));
    expect(loadTask(task('url', 'request: x\nrepo: https://example.com/a.git\n')).repoSource).toBe(
      'https://example.com/a.git',
    );
  });

  it('refuses a task naming both target and repo, one without a request, one without a hidden check', () => {
    expect(() => loadTask(task('both', 'request: x\ntarget: a\nrepo: b\n'))).toThrow(/not both/);
    expect(() => loadTask(task('noreq', 'target: a\n'))).toThrow(/task\.yml.*request/s);
    expect(() => loadTask(task('unknown', 'request: x\nmodel: y\n'))).toThrow(/model/);
    expect(() => loadTask(task('nohidden', 'request: x\n', {}))).toThrow(/no \*\.spec\.ts/);
  });

  it('filters a suite by --tasks globs and says when nothing matches', () => {
    const suite = path.join(root, 'suite');
    mkdirSync(suite);
    for (const n of ['orders-a', 'orders-b', 'notebook-c']) {
      mkdirSync(path.join(suite, n, 'hidden'), { recursive: true });
      writeFileSync(path.join(suite, n, 'task.yml'), 'request: x\n');
      writeFileSync(path.join(suite, n, 'hidden', 'x.spec.ts'), '');
    }
    expect(loadSuite(suite).map((t) => t.name)).toEqual(['notebook-c', 'orders-a', 'orders-b']);
    expect(loadSuite(suite, 'orders-*').map((t) => t.name)).toEqual(['orders-a', 'orders-b']);
    expect(loadSuite(suite, 'notebook-c,orders-b').map((t) => t.name)).toEqual(['notebook-c', 'orders-b']);
    expect(() => loadSuite(suite, 'nothing-*')).toThrow(/no task .* matches --tasks nothing-\*/);
    expect(() => loadSuite(path.join(root, 'absent'))).toThrow(/no suite directory/);
  });

  it('the bundled suite has at least eight Datadesk tasks, each with a hidden spec, a reference and a wrong patch', () => {
    const tasks = loadSuite(BUNDLED_SUITE);
    expect(tasks.length).toBeGreaterThanOrEqual(8);
    for (const t of tasks) {
      expect(t.target, t.name).toBe('datadesk');
      expect(t.hiddenSpecs.length, t.name).toBeGreaterThan(0);
      expect(t.reference, t.name).toBeDefined();
      expect(t.wrong.length, t.name).toBeGreaterThan(0);
    }
    const scripted = tasks.filter((t) => t.trajectories.replay).map((t) => t.name);
    expect(scripted.length).toBeGreaterThanOrEqual(3);
  });
});
