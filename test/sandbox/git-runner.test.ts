/**
 * The one git runner against a worktree whose git metadata the agent controls. Two layers:
 * - inside the sandbox the worktree's `.git` pointer is read-only, so the agent cannot swap it;
 * - and even with the pointer swapped on the host for a repository of the agent's own (config
 *   naming fsmonitor, hooks, filters, textconv and an external diff, attributes selecting them),
 *   every step the worker runs afterwards — snapshot (add + write-tree), diff, checkout, commit,
 *   push — runs none of it, and the snapshot still holds the agent's file changes.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushCommit } from '../../src/forge/git.ts';
import { createSandboxProvider } from '../../src/sandbox/index.ts';
import { checkoutTree, commitTree, diffTrees, snapshot } from '../../src/sandbox/tree.ts';
import type { Sandbox, SandboxProvider } from '../../src/sandbox/types.ts';
import { Mirror } from '../../src/sandbox/workspace.ts';
import { git, isolationSkipReason, makeWorld, testConfig } from './helpers.ts';

const HOOKS = ['pre-commit', 'post-commit', 'post-index-change', 'pre-push', 'reference-transaction', 'post-checkout'];

/** A repository of the agent's own whose config names a command for every hook point git has. */
function evilGitDir(worktree: string, markers: string): void {
  const script = path.join(worktree, '.cache', 'run.sh');
  mkdirSync(path.dirname(script), { recursive: true });
  writeFileSync(script, `#!/bin/sh\necho "$0 $*" > "${markers}/$(basename "$0")-$$"\ncat\n`);
  chmodSync(script, 0o755);
  const hooks = path.join(worktree, '.cache', 'hooks');
  mkdirSync(hooks, { recursive: true });
  for (const h of HOOKS) {
    writeFileSync(path.join(hooks, h), `#!/bin/sh\ntouch "${markers}/hook-${h}"\n`);
    chmodSync(path.join(hooks, h), 0o755);
  }
  rmSync(path.join(worktree, '.git'), { force: true });
  git(worktree, 'init', '-q');
  const set = (k: string, v: string) => git(worktree, 'config', k, v);
  set('core.fsmonitor', script);
  set('core.hooksPath', hooks);
  set('filter.evil.clean', script);
  set('filter.evil.smudge', script);
  set('filter.evil.required', 'true');
  set('diff.evil.textconv', script);
  set('diff.external', script);
  set('core.pager', script);
  writeFileSync(path.join(worktree, '.gitattributes'), '* filter=evil diff=evil\n');
}

describe('git runner on agent-written metadata', () => {
  const world = makeWorld();
  const markers = mkdtempSync(path.join(os.tmpdir(), 'lw-markers-'));
  afterAll(() => {
    world.cleanup();
    rmSync(markers, { recursive: true, force: true });
  });

  it('snapshot, diff, checkout, commit and push run nothing the worktree names', async () => {
    const mirror = new Mirror(world.home, world.repo);
    await mirror.sync();
    const base = await mirror.commitOf('main');
    const wt = path.join(world.root, 'wt');
    await mirror.addWorktree(wt, base);
    writeFileSync(path.join(wt, 'src', 'changed.js'), 'export const changed = true;\n');
    evilGitDir(wt, markers);

    const scratch = path.join(world.root, 'scratch');
    const snap = await snapshot(mirror.dir, wt, { start: base, base, scratch });
    expect(snap.diff).toContain('+export const changed = true;');
    expect(snap.diff).toContain('+++ b/.gitattributes');
    expect(await diffTrees(mirror.dir, base, snap.tree)).toBe(snap.diff);
    const out = path.join(world.root, 'checkout');
    await checkoutTree(mirror.dir, snap.tree, out, scratch);
    expect(readFileSync(path.join(out, 'src', 'changed.js'), 'utf8')).toBe('export const changed = true;\n');
    const author = { name: 'bot', email: 'bot@example.com' };
    const commit = await commitTree(mirror.dir, { tree: snap.tree, parent: base, message: 'm', author });
    const remote = path.join(world.root, 'remote.git');
    git(world.root, 'init', '-q', '--bare', remote);
    const pushed = await pushCommit({ gitDir: mirror.dir, commit, remoteUrl: remote, branch: 'loopwright/t' });
    expect(pushed.ok).toBe(true);
    expect(git(remote, 'rev-parse', 'refs/heads/loopwright/t').trim()).toBe(commit);
    expect(readdirSync(markers)).toEqual([]);

    // Control: the same metadata is live for a git that finds its repository through `.git`.
    git(wt, 'add', '-A');
    expect(readdirSync(markers).length).toBeGreaterThan(0);
  });
});

const skip = isolationSkipReason();

describe.skipIf(skip)('the .git pointer inside the sandbox', () => {
  const world = makeWorld();
  let provider: SandboxProvider;
  let sb: Sandbox;
  beforeAll(async () => {
    provider = createSandboxProvider({ config: testConfig(world.home), repoUrl: world.repo });
    sb = await provider.acquire({ ticketId: 'G1', branch: 'loopwright/G1-git' });
  });
  afterAll(async () => {
    await provider?.close();
    world.cleanup();
  });

  it('is read-only: it cannot be written, removed or renamed by a command', async () => {
    const before = readFileSync(path.join(sb.worktree, '.git'), 'utf8');
    const r = await sb.exec(
      'echo "gitdir: /tmp/evil" > .git; echo "w=$?"; rm -f .git; echo "rm=$?"; mv .git moved; echo "mv=$?"',
    );
    expect(r.output).toMatch(/w=[1-9]/);
    expect(r.output).toMatch(/rm=[1-9]/);
    expect(r.output).toMatch(/mv=[1-9]/);
    expect(readFileSync(path.join(sb.worktree, '.git'), 'utf8')).toBe(before);
    // The rest of the worktree stays the agent's to write.
    expect((await sb.exec('echo ok > src/new.txt && cat src/new.txt')).output).toContain('ok');
  });
});
