/**
 * A state file per sandbox (`$LOOPWRIGHT_HOME/sandboxes/<id>/state.json`) naming its owner process
 * and everything it holds, so that a worker starting after a crash can find and remove what the
 * dead one left: processes (by cgroup), the network namespace and the worktrees.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SweepReport } from './types.ts';
import { deleteNetns, killCgroup, openCgroup } from './isolation.ts';
import { git } from './workspace.ts';
import { killGroup } from './runner.ts';
import { serialOn } from './serial.ts';

export interface SandboxState {
  id: string;
  ownerPid: number;
  /** Start time of the owner (from /proc), so a recycled pid is not taken for the owner. */
  ownerStart: string;
  mirrorDir: string;
  worktrees: string[];
  branch: string;
  /** A pool sandbox's temporary branch (older versions made one), deleted with it. */
  poolBranch?: string;
  netns?: string;
  cgroup?: string;
  /** Process groups started without isolation (no cgroup to find them by). */
  processGroups: number[];
  createdAt: string;
  /** Epoch ms until which a failed sandbox's worktree is kept for debugging. */
  keepUntil?: number;
}

export const sandboxesDir = (home: string): string => path.join(home, 'sandboxes');
export const stateFile = (home: string, id: string): string => path.join(sandboxesDir(home), id, 'state.json');

export function processStart(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime), counted after the parenthesised command name, which may hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

export const OWN_START = processStart(process.pid);

/** The state of a sandbox (or room) this process is creating, written before anything is made. */
export function createState(home: string, fields: Pick<SandboxState, 'id' | 'mirrorDir' | 'worktrees' | 'branch'>): SandboxState {
  const state: SandboxState = {
    ...fields,
    ownerPid: process.pid,
    ownerStart: OWN_START,
    processGroups: [],
    createdAt: new Date().toISOString(),
  };
  writeState(home, state);
  return state;
}

export function writeState(home: string, state: SandboxState): void {
  const file = stateFile(home, state.id);
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2));
  renameSync(tmp, file);
}

export function readState(home: string, id: string): SandboxState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(home, id), 'utf8')) as SandboxState;
  } catch {
    return undefined;
  }
}

export function ownerAlive(state: SandboxState): boolean {
  if (state.ownerPid === process.pid) return state.ownerStart === OWN_START;
  const start = processStart(state.ownerPid);
  return start !== '' && start === state.ownerStart;
}

/** Kills processes and removes the namespace and cgroup of a sandbox; returns processes killed. */
export async function releaseRuntime(state: SandboxState): Promise<{ processes: number; namespaces: number }> {
  let processes = 0;
  let namespaces = 0;
  if (state.cgroup) {
    const cg = openCgroup(state.cgroup);
    if (cg) {
      processes += await killCgroup(cg);
      cg.remove();
    }
  }
  for (const pgid of state.processGroups) {
    if (processStart(pgid)) {
      killGroup(pgid);
      processes++;
    }
  }
  if (state.netns && existsSync(`/run/netns/${state.netns}`)) {
    await deleteNetns(state.netns);
    namespaces++;
  }
  return { processes, namespaces };
}

/** Removes a sandbox's worktrees, its pool branch and its directory; returns worktrees removed. */
export async function removeFiles(home: string, state: SandboxState): Promise<number> {
  let worktrees = 0;
  await serialOn(state.mirrorDir, async () => {
    for (const wt of state.worktrees) {
      if (existsSync(wt)) worktrees++;
      if (existsSync(state.mirrorDir)) {
        await git(['--git-dir', state.mirrorDir, 'worktree', 'remove', '--force', '--force', wt]).catch(() => undefined);
      }
      rmSync(wt, { recursive: true, force: true });
    }
    if (existsSync(state.mirrorDir)) {
      await git(['--git-dir', state.mirrorDir, 'worktree', 'prune']).catch(() => undefined);
      if (state.poolBranch) await git(['--git-dir', state.mirrorDir, 'branch', '-D', state.poolBranch]).catch(() => undefined);
    }
  });
  const wtRoot = state.worktrees[0] ? path.dirname(state.worktrees[0]) : undefined;
  if (wtRoot && existsSync(wtRoot)) rmSync(wtRoot, { recursive: true, force: true });
  rmSync(path.join(sandboxesDir(home), state.id), { recursive: true, force: true });
  return worktrees;
}

/**
 * Sweeps the sandboxes of dead owners (and expired kept ones of anyone): their processes,
 * namespaces and cgroups always; their worktrees unless still within the keep-for-debugging window.
 */
export async function sweepHome(home: string): Promise<SweepReport> {
  const report: SweepReport = { processes: 0, worktrees: 0, namespaces: 0 };
  const dir = sandboxesDir(home);
  if (!existsSync(dir)) return report;
  for (const id of readdirSync(dir)) {
    const state = readState(home, id);
    if (!state) {
      // A directory without a readable state is a sandbox that died while being created.
      rmSync(path.join(dir, id), { recursive: true, force: true });
      continue;
    }
    const alive = ownerAlive(state);
    const expired = state.keepUntil !== undefined && state.keepUntil <= Date.now();
    if (alive && !expired) continue;
    const released = await releaseRuntime(state);
    report.processes += released.processes;
    report.namespaces += released.namespaces;
    if (state.keepUntil !== undefined && !expired) {
      writeState(home, { ...state, netns: undefined, cgroup: undefined, processGroups: [] });
      continue;
    }
    report.worktrees += await removeFiles(home, state);
  }
  return report;
}
