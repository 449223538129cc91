/**
 * A worker that dies with SIGKILL leaves its sandbox behind; the next worker's sweep removes the
 * processes, the network namespace and the worktree (found through the state file's dead owner).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createSandboxProvider } from '../../src/sandbox/index.ts';
import { isolationSkipReason, makeWorld, testConfig } from './helpers.ts';

const skip = isolationSkipReason();
const here = path.dirname(fileURLToPath(import.meta.url));
const NODE = path.resolve(here, '../../node_modules/.bin/node');

function processesWith(marker: RegExp): string[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return marker.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
      } catch {
        return false;
      }
    });
}

describe.skipIf(skip)('sweep after a crashed worker', () => {
  it('removes the processes, namespace and worktree a SIGKILLed worker left', async () => {
    const world = makeWorld();
    try {
      const child = spawn(NODE, [path.join(here, 'child-worker.ts'), world.home, world.repo], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const info = await new Promise<{ id: string; worktree: string; pid: number }>((resolve, reject) => {
        let buf = '';
        child.stdout.on('data', (d: Buffer) => {
          buf += d.toString();
          const line = buf.split('\n').find((l) => l.startsWith('{'));
          if (line) resolve(JSON.parse(line) as { id: string; worktree: string; pid: number });
        });
        child.on('exit', (code) => reject(new Error(`child worker exited early (${code})`)));
      });
      expect(existsSync(`/run/netns/lw-${info.id}`)).toBe(true);
      expect(processesWith(/src\/server\.js/).length).toBeGreaterThan(0);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      expect(existsSync(info.worktree)).toBe(true);

      const provider = createSandboxProvider({ config: testConfig(world.home), repoUrl: world.repo });
      const report = await provider.sweep();
      expect(report.namespaces).toBe(1);
      expect(report.worktrees).toBe(1);
      expect(existsSync(`/run/netns/lw-${info.id}`)).toBe(false);
      expect(existsSync(info.worktree)).toBe(false);
      expect(existsSync(path.join(world.home, 'sandboxes', info.id))).toBe(false);
      expect(processesWith(/sleep 876543/)).toEqual([]);
      // A second sweep finds nothing left.
      expect(await provider.sweep()).toEqual({ processes: 0, worktrees: 0, namespaces: 0 });
      await provider.close();
    } finally {
      world.cleanup();
    }
  });
});
