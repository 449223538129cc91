/**
 * A Python target in real bwrap sandboxes: the virtual environment is built once per requirements
 * file by the target's `install` (a local package, `pip install --no-index`), reused by the next
 * sandbox, read-only inside every sandbox and first on PATH; interpreter caches stay out of the
 * worktree and generated paths (defaults and the target's `generated`) out of the snapshot.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.ts';
import { createSandboxProvider } from '../../src/sandbox/index.ts';
import type { Sandbox, SandboxProvider } from '../../src/sandbox/types.ts';
import { FLASK_FILES } from '../python/flask-app.ts';
import { git, isolationSkipReason, testConfig } from './helpers.ts';

const skip = isolationSkipReason();

function flaskRepo(over: Record<string, string> = {}): { root: string; repo: string; home: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'lw-py-'));
  const repo = path.join(root, 'repo');
  for (const [rel, content] of Object.entries({ ...FLASK_FILES, ...over })) {
    mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
    writeFileSync(path.join(repo, rel), content);
  }
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'metrics dashboard');
  return { root, repo, home: path.join(root, 'home') };
}

/** Every file under `dir` whose path matches `re` (relative paths). */
function filesMatching(dir: string, re: RegExp): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => re.test(f));
}

/** A sandbox on the Flask repo (with `over` files) for the enclosing describe block. */
function useFlaskSandbox(over: Record<string, string> = {}, config: Partial<Config> = {}) {
  const world = flaskRepo(over);
  const held: { provider?: SandboxProvider; sb?: Sandbox } = {};
  beforeAll(async () => {
    held.provider = createSandboxProvider({ config: testConfig(world.home, config), repoUrl: world.repo });
    held.sb = await held.provider.acquire({ ticketId: 'T1', branch: 'loopwright/T1-total' });
  }, 240_000);
  afterAll(async () => {
    await held.provider?.close();
    rmSync(world.root, { recursive: true, force: true });
  });
  return { world, sandbox: () => held.sb!, provider: () => held.provider! };
}

describe.skipIf(skip)('a Python target (bwrap)', () => {
  const { world, sandbox, provider: providerOf } = useFlaskSandbox();

  it('builds the environment with the target install and runs the app and commands in it', async () => {
    expect(await sandbox().app.tail()).toContain('Running on http://127.0.0.1');
    const r = await sandbox().exec('python -c "import sys, metricfmt, flask; print(sys.prefix); print(metricfmt.fmt(1234))"');
    expect(r.exitCode, r.output).toBe(0);
    const venvs = readdirSync(path.join(world.home, 'deps')).filter((d) => !d.endsWith('.lock'));
    expect(venvs).toHaveLength(1);
    expect(r.output).toContain(path.join(world.home, 'deps', venvs[0]!, 'venv'));
    expect(r.output).toContain('1,234');
    // Commands that name the environment by its conventional place find it too.
    expect((await sandbox().exec('.venv/bin/python -c "import metricfmt"')).exitCode).toBe(0);
    expect(existsSync(path.join(sandbox().scratchDir, 'tmp', 'install-head.log'))).toBe(true);
  });

  it('keeps the environment read-only inside the sandbox', async () => {
    const r = await sandbox().exec(
      'touch "$VIRTUAL_ENV/owned" .venv/owned; pip install --no-index --find-links vendor --force-reinstall metricfmt; echo DONE',
    );
    expect(r.output).toMatch(/Read-only file system/);
    expect(r.output).toContain('DONE');
    const venv = readdirSync(path.join(world.home, 'deps')).find((d) => !d.endsWith('.lock'))!;
    expect(existsSync(path.join(world.home, 'deps', venv, 'venv', 'owned'))).toBe(false);
  });

  it('reuses the environment for the next sandbox of the same requirements', async () => {
    const second = await providerOf().acquire({ ticketId: 'T2', branch: 'loopwright/T2-x' });
    try {
      expect(readdirSync(path.join(world.home, 'deps')).filter((d) => !d.endsWith('.lock'))).toHaveLength(1);
      expect(existsSync(path.join(second.scratchDir, 'tmp', 'install-head.log'))).toBe(false);
      expect((await second.exec('python -c "import metricfmt"')).exitCode).toBe(0);
    } finally {
      await second.teardown();
    }
  });

  it('writes no bytecode or tool caches into the worktree, and leaves generated paths out of the snapshot', async () => {
    await expectNoGeneratedFiles(sandbox());
  });
});

/** The system Python and Flask, nothing to install: the way the target in the issue was first set up. */
const SYSTEM_PYTHON = {
  '.loopwright.yml': 'start: python3 app.py\nready: /health\nchecks: [python3 -m unittest discover -s tests -t .]\ngenerated: [exports/]\n',
  'app.py': String(FLASK_FILES['app.py']).replace('from metricfmt import fmt\n', 'fmt = "{:,}".format\n'),
};

describe.skipIf(skip)('a Python target on the system interpreter (bwrap)', () => {
  const { sandbox } = useFlaskSandbox(SYSTEM_PYTHON);

  it('writes no bytecode or tool caches into the worktree, and leaves generated paths out of the snapshot', async () => {
    expect(await sandbox().app.tail()).toContain('Running on http://127.0.0.1');
    await expectNoGeneratedFiles(sandbox(), 'python3');
  });
});

// LOOPWRIGHT_SANDBOX=none: the environment is linked in at .venv, and the link is no part of a change.
describe('a Python target without isolation', () => {
  const { sandbox } = useFlaskSandbox({}, { sandbox: 'none' });

  it('runs in the environment, and the .venv link stays out of the snapshot', async () => {
    expect(await sandbox().app.tail()).toContain('Running on http://127.0.0.1');
    const r = await sandbox().exec('.venv/bin/python -c "import metricfmt" && python -c "import metricfmt" && echo OK');
    expect(r.output).toContain('OK');
    await expectNoGeneratedFiles(sandbox());
  });
});

async function expectNoGeneratedFiles(sb: Sandbox, python = 'python'): Promise<void> {
  const checks = await sb.exec(`${python} -m unittest discover -s tests -t . && ${python} -m py_compile metrics.py`);
  expect(checks.exitCode, checks.output).toBe(0);
  expect(filesMatching(sb.worktree, /__pycache__|\.pyc$/)).toEqual([]);

  // What tools without a switch leave behind, and what the target lists under `generated`.
  const leftovers = [
    'pkg/__pycache__/mod.cpython-311.pyc',
    'stray.pyc',
    '.pytest_cache/v/cache/lastfailed',
    '.mypy_cache/3.11/app.meta.json',
    'htmlcov/index.html',
    'exports/report.bin',
  ];
  for (const f of leftovers) {
    mkdirSync(path.dirname(path.join(sb.worktree, f)), { recursive: true });
    writeFileSync(path.join(sb.worktree, f), Buffer.from([0, 1, 2, 0xff]));
  }
  writeFileSync(path.join(sb.worktree, 'metrics.py'), 'METRICS = []\n\n\ndef total():\n    return 0\n');
  const { diff } = await sb.snapshot();
  expect(diff).toContain('diff --git a/metrics.py b/metrics.py');
  expect(diff.match(/^diff --git .*$/gm)).toEqual(['diff --git a/metrics.py b/metrics.py']);
}
