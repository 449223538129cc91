/**
 * The candidate side of a Sandbox port for tests whose sandbox is a plain git checkout: snapshots
 * and clean rooms through the real tree functions (src/sandbox/tree.ts) on a git dir the test
 * made, so fakes of the sandbox still publish exactly the tree they proved.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkoutTree, snapshot, treeOf } from '../../src/sandbox/tree.ts';
import type { ExecResult, Room, Sandbox } from '../../src/sandbox/types.ts';

type CandidateParts = Pick<Sandbox, 'gitDir' | 'startCommit' | 'snapshot' | 'openRoom' | 'stopAgent'>;

export function dirSandboxParts(opts: {
  gitDir: string;
  worktree: string;
  scratch: string;
  baseCommit: string;
  startCommit?: string;
}): CandidateParts & { rooms: string[] } {
  const rooms: string[] = [];
  return {
    rooms,
    gitDir: opts.gitDir,
    startCommit: opts.startCommit ?? opts.baseCommit,
    snapshot: () =>
      snapshot(opts.gitDir, opts.worktree, {
        start: opts.startCommit ?? opts.baseCommit,
        base: opts.baseCommit,
        scratch: opts.scratch,
      }),
    openRoom: async (treeish: string, label: string): Promise<Room> => {
      const dir = mkdtempSync(path.join(tmpdir(), `lw-room-${label}-`));
      await checkoutTree(opts.gitDir, treeish, dir, opts.scratch);
      rooms.push(label);
      return {
        tree: await treeOf(opts.gitDir, treeish),
        dir,
        scratch: opts.scratch,
        browser: { executablePath: '/usr/bin/chromium', args: [] },
        startApp: async () => {
          throw new Error('no app in these tests');
        },
        exec: async (command) => execIn(dir, command),
        close: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
    stopAgent: async () => undefined,
  };
}

/** Runs a shell command in `cwd` on the host (these fakes have no isolation) as an ExecResult. */
export function execIn(cwd: string, command: string): ExecResult {
  const started = performance.now();
  try {
    const output = execFileSync('bash', ['-c', command], { cwd, encoding: 'utf8', stdio: 'pipe' });
    return {
      exitCode: 0,
      signal: null,
      timedOut: false,
      durationMs: performance.now() - started,
      output,
      truncated: false,
    };
  } catch (error) {
    const e = error as { status?: number; stdout?: string; stderr?: string };
    const output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
    return {
      exitCode: e.status ?? 1,
      signal: null,
      timedOut: false,
      durationMs: 1,
      output,
      truncated: false,
    };
  }
}
