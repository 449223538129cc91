/**
 * The pre-warmed pool: a ticket claims a sandbox already up (its temporary branch renamed to the
 * ticket's), a pool sandbox left behind by a moved base is discarded, and idle ones expire.
 */
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createSandboxProvider } from '../../src/sandbox/index.ts';
import { commitFile, git, isolationSkipReason, makeWorld, testConfig } from './helpers.ts';

const skip = isolationSkipReason();

describe.skipIf(skip)('sandbox pool', () => {
  const world = makeWorld();
  afterAll(() => world.cleanup());

  it('hands a ready sandbox to a ticket in well under a second and refills', async () => {
    const provider = createSandboxProvider({ config: testConfig(world.home, { poolSize: 1 }), repoUrl: world.repo });
    try {
      await provider.warm();
      const t = Date.now();
      const sb = await provider.acquire({ ticketId: 'P1', branch: 'loopwright/P1-pooled' });
      const claimMs = Date.now() - t;
      expect(claimMs).toBeLessThan(500);
      expect(sb.ticketId).toBe('P1');
      expect(sb.branch).toBe('loopwright/P1-pooled');
      expect(git(sb.worktree, 'rev-parse', 'HEAD').trim()).toBe(sb.startCommit);
      expect(git(sb.worktree, 'branch', '--list', 'loopwright/pool-*').trim()).toBe('');
      expect((await sb.exec(`curl -s ${sb.app.url}`)).output).toContain('Hello, sandbox!');
      await sb.teardown();

      // The base moves on: the pooled sandbox (built at the old commit) must not be handed out.
      await provider.warm();
      commitFile(world.repo, 'README.md', 'moved\n');
      const fresh = await provider.acquire({ ticketId: 'P2', branch: 'loopwright/P2-x' });
      expect(fresh.baseCommit).toBe(git(world.repo, 'rev-parse', 'main').trim());
      expect(existsSync(`${fresh.worktree}/README.md`)).toBe(true);
      await fresh.teardown();
    } finally {
      await provider.close();
    }
  });

  it('tears an idle pool sandbox down after poolIdleMs', async () => {
    const provider = createSandboxProvider({
      config: testConfig(world.home, { poolSize: 1, poolIdleMs: 300 }),
      repoUrl: world.repo,
    });
    try {
      await provider.warm();
      expect((provider as unknown as { ready: number }).ready).toBe(1);
      await new Promise((r) => setTimeout(r, 1500));
      expect((provider as unknown as { ready: number }).ready).toBe(0);
      expect(git(world.home, '--git-dir', (provider as unknown as { mirror: { dir: string } }).mirror.dir, 'worktree', 'list').trim().split('\n')).toHaveLength(1);
    } finally {
      await provider.close();
    }
  });
});
