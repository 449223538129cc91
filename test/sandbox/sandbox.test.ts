/**
 * Sandbox lifecycle with real git, real npm, real bwrap and a real network namespace: worktree and
 * branch, dependency cache (install once per lockfile, read-only to the sandbox), app, exec limits,
 * base app, diff and teardown.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxProvider } from '../../src/sandbox/index.ts';
import type { Room, Sandbox, SandboxProvider } from '../../src/sandbox/types.ts';
import { readState } from '../../src/sandbox/state.ts';
import { commitFile, git, isolationSkipReason, makeWorld, testConfig } from './helpers.ts';

const skip = isolationSkipReason();
if (skip) console.warn(`sandbox tests skipped: ${skip}`);

/** GET from inside the sandbox's network namespace (the app is reachable only there). */
async function fetchInside(sb: Sandbox, url: string): Promise<string> {
  const r = await sb.exec(`curl -s --max-time 5 '${url}'`);
  return r.output;
}

describe.skipIf(skip)('sandbox (bwrap)', () => {
  const world = makeWorld();
  let provider: SandboxProvider;
  let sb: Sandbox;

  beforeAll(async () => {
    provider = createSandboxProvider({ config: testConfig(world.home), repoUrl: world.repo });
    sb = await provider.acquire({ ticketId: 'T1', branch: 'loopwright/T1-greeting' });
  });
  afterAll(async () => {
    await provider?.close();
    world.cleanup();
  });

  it('checks out a worktree on the ticket branch from the base commit, with the app up', async () => {
    expect(sb.isolated).toBe(true);
    // Detached at the start commit: no ticket branch is checked out in the shared mirror.
    expect(git(sb.worktree, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('HEAD');
    expect(git(sb.worktree, 'rev-parse', 'HEAD').trim()).toBe(sb.startCommit);
    expect(sb.startCommit).toBe(sb.baseCommit);
    expect(sb.baseCommit).toBe(git(world.repo, 'rev-parse', 'main').trim());
    expect(existsSync(path.join(world.home, 'mirrors'))).toBe(true);
    expect(await fetchInside(sb, sb.app.url)).toContain('Hello, sandbox!');
    expect(await sb.app.tail()).toContain(`listening on ${sb.app.port}`);
    // The agent reads the app's log from inside the sandbox.
    expect((await sb.exec('cat /tmp/app.log')).output).toContain('listening on');
  });

  it('reuses the installed dependencies for the same lockfile and reinstalls for a changed one', async () => {
    const second = await provider.acquire({ ticketId: 'T2', branch: 'loopwright/T2-x' });
    const deps = () => readdirSync(path.join(world.home, 'deps')).filter((d) => !d.includes('staging'));
    expect(deps()).toHaveLength(1);
    // The warm sandbox ran no install at all.
    expect(existsSync(path.join(second.scratchDir, 'tmp', 'install-head.log'))).toBe(false);
    expect(existsSync(path.join(sb.scratchDir, 'tmp', 'install-head.log'))).toBe(true);
    await second.teardown();

    const lock = readFileSync(path.join(world.repo, 'package-lock.json'), 'utf8');
    commitFile(world.repo, 'package-lock.json', lock.replace('"requires": true', '"requires": true '));
    const third = await provider.acquire({ ticketId: 'T3', branch: 'loopwright/T3-x' });
    expect(deps()).toHaveLength(2);
    expect(existsSync(path.join(third.scratchDir, 'tmp', 'install-head.log'))).toBe(true);
    expect(await fetchInside(third, third.app.url)).toContain('Hello, sandbox!');
    await third.teardown();
  });

  it('keeps the shared dependency cache read-only while tool caches stay writable', async () => {
    const cacheFile = path.join(world.home, 'deps', readdirSync(path.join(world.home, 'deps'))[0]!, 'node_modules', 'greeting', 'index.js');
    const before = readFileSync(cacheFile, 'utf8');
    const r = await sb.exec(
      'echo corrupt > node_modules/greeting/index.js; rm -rf node_modules/greeting; echo vite > node_modules/.vite/x && echo VITE_OK',
    );
    expect(r.output).toMatch(/Read-only file system/);
    expect(r.output).toContain('VITE_OK');
    expect(readFileSync(cacheFile, 'utf8')).toBe(before);
  });

  it('runs commands in the worktree, kills the whole group on timeout and caps output', async () => {
    const pwd = await sb.exec('pwd');
    expect(pwd.output.trim()).toBe(sb.worktree);
    expect((await sb.exec('pwd', { cwd: 'src' })).output.trim()).toBe(path.join(sb.worktree, 'src'));

    const slow = await sb.exec('sleep 30 & sleep 30; echo never', { timeoutMs: 500 });
    expect(slow.timedOut).toBe(true);
    expect(slow.durationMs).toBeLessThan(5000);
    expect(slow.output).not.toContain('never');

    const big = await sb.exec('seq 1 200000');
    expect(big.truncated).toBe(true);
    expect(big.output.startsWith('1\n2\n3\n')).toBe(true);
    expect(big.output.trimEnd().endsWith('199999\n200000')).toBe(true);
    expect(big.output.length).toBeLessThan(25_000);
    expect(readFileSync(big.fullOutputPath!, 'utf8').split('\n')).toHaveLength(200_001);
    // The full output is readable from inside the sandbox too.
    expect((await sb.exec(`wc -l < /tmp/outputs/${path.basename(big.fullOutputPath!)}`)).output.trim()).toBe('200000');

    // 3-byte characters across 64 KiB pipe chunks: some chunk boundary splits one.
    const euros = await sb.exec("yes '€' | head -n 40000 | tr -d '\\n'");
    const full = readFileSync(euros.fullOutputPath!, 'utf8');
    expect(full).toBe('€'.repeat(40_000));
    expect(euros.output).not.toContain('\uFFFD');

    const fail = await sb.exec('exit 3');
    expect(fail.exitCode).toBe(3);
  });

  it('restarts the app, snapshots the worktree and runs the base and the snapshot in rooms the agent cannot reach', async () => {
    const server = path.join(sb.worktree, 'src', 'server.js');
    writeFileSync(server, readFileSync(server, 'utf8').replace("greeting('sandbox')", "greeting('world')"));
    writeFileSync(path.join(sb.worktree, 'NOTES.md'), 'new file\n');
    await sb.app.restart();
    expect(await fetchInside(sb, sb.app.url)).toContain('Hello, world!');
    expect((await sb.app.tail(200)).match(/loopwright: starting/g)).toHaveLength(2);

    const snap = await sb.snapshot();
    expect(snap.diff).toContain("+    res.end(`<!doctype html><title>Target</title><h1>${greeting('world')}</h1>`);");
    expect(snap.diff).toContain('+++ b/NOTES.md');
    expect(snap.diff).not.toContain('node_modules');

    const base = await sb.openRoom(sb.baseCommit, 'base');
    const head = await sb.openRoom(snap.tree, 'head');
    try {
      const [baseApp, headApp] = await Promise.all([base.startApp(), head.startApp()]);
      const inRoom = async (room: Room, url: string) => (await room.exec(`curl -s --max-time 5 '${url}'`)).output;
      expect(await inRoom(base, baseApp.url)).toContain('Hello, sandbox!');
      expect(await inRoom(head, headApp.url)).toContain('Hello, world!');
      expect(head.tree).toBe(snap.tree);
      // The agent's sandbox sees neither room: not its port, not its files.
      expect(await fetchInside(sb, baseApp.url)).not.toContain('Hello');
      const look = await sb.exec(`ls '${base.dir}' '${head.dir}' 2>&1; echo rc=$?`);
      expect(look.output).toMatch(/No such file or directory/);
    } finally {
      await base.close();
      await head.close();
    }
  });

  it('keeps a failed sandbox for debugging, and removes everything of a finished one', async () => {
    const kept = await provider.acquire({ ticketId: 'T4', branch: 'loopwright/T4-x' });
    await kept.teardown({ keep: true });
    expect(existsSync(kept.worktree)).toBe(true);
    const state = readState(world.home, kept.id)!;
    expect(state.keepUntil).toBeGreaterThan(Date.now());
    expect(existsSync(`/run/netns/lw-${kept.id}`)).toBe(false);

    const worktree = sb.worktree;
    await sb.teardown();
    await sb.teardown(); // safe twice
    expect(existsSync(worktree)).toBe(false);
    expect(existsSync(`/run/netns/lw-${sb.id}`)).toBe(false);
    expect(existsSync(sb.scratchDir)).toBe(false);
    // No ticket branch in the mirror: the forge holds the branch, a follow-up continues it from there.
    expect(git(world.home, '--git-dir', readState(world.home, kept.id)!.mirrorDir, 'branch', '--list', 'loopwright/*')).toBe('');
  });
});

describe('sandbox without isolation (LOOPWRIGHT_SANDBOX=none)', () => {
  it('warns on every ticket and still runs the app and commands', async () => {
    const world = makeWorld();
    const warnings: string[] = [];
    const provider = createSandboxProvider({
      config: testConfig(world.home, { sandbox: 'none' }),
      repoUrl: world.repo,
      onWarning: (m) => warnings.push(m),
    });
    try {
      const sb = await provider.acquire({ ticketId: 'N1', branch: 'loopwright/N1-x' });
      expect(sb.isolated).toBe(false);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/WITHOUT isolation/);
      expect(await (await fetch(sb.app.url)).text()).toContain('Hello, sandbox!');
      process.env.LW_TEST_SECRET = 'planted-secret-value';
      expect((await sb.exec('env')).output).not.toContain('planted-secret-value');
      await sb.teardown();
      const sb2 = await provider.acquire({ ticketId: 'N2', branch: 'loopwright/N2-x' });
      expect(warnings).toHaveLength(2);
      await sb2.teardown();
    } finally {
      delete process.env.LW_TEST_SECRET;
      await provider.close();
      world.cleanup();
    }
  });
});
