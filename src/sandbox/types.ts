/**
 * The sandbox port: an isolated, running copy of the target app for one ticket (DESIGN.md §5).
 * The loop runs the agent's commands through `exec`; the browser launches Chromium through
 * `browser` so that it shares the sandbox's network and reaches the app and nothing else.
 */
import type { TargetSettings } from '../config/target.ts';
import type { Mount } from './isolation.ts';
import type { Snapshot } from './tree.ts';

export type { Snapshot } from './tree.ts';

export interface ExecOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Relative to the worktree. */
  cwd?: string;
}

/**
 * How the worker runs its own programs in a room (a test runner, a check script): with files of
 * its own mounted, a private /tmp, and optionally none of the checkout. The room's app is the
 * agent's code and shares the room's checkout and /tmp, so anything a verdict depends on must
 * come through here, not through those.
 */
export interface RoomExecOptions extends ExecOptions {
  /** Absolute working directory (default: the checkout). */
  dir?: string;
  /** Mounts in addition to the room's own. */
  mounts?: Mount[];
  /** Only these mounts: nothing of the checkout is visible. */
  onlyMounts?: Mount[];
  /** A /tmp of its own instead of the one the room's app shares. */
  tmpDir?: string;
}

export interface ExecResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  /** Combined stdout+stderr in order; head and tail kept when over the cap. */
  output: string;
  truncated: boolean;
  /** Where the full output was saved when truncated (readable by the agent). */
  fullOutputPath?: string;
}

/** How to start a Chromium that lives inside this sandbox's network namespace. */
export interface BrowserLauncher {
  executablePath: string;
  args: string[];
  env?: Record<string, string>;
}

export interface AppHandle {
  /** Base URL of the app as seen from inside the sandbox (and by its browser), e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  /** Captured stdout/stderr of the app. */
  logPath: string;
  /** When the running app was started (ms since the epoch); absent while none runs. */
  readonly startedAt?: number;
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** The last lines of the app's log. */
  tail(lines?: number): Promise<string>;
}

/**
 * A sandbox of Loopwright's own on a clean checkout of one tree (room.ts): the proof's base and
 * head apps, the checks and the reviewer's files live in rooms, out of the agent's sight and reach.
 */
export interface Room {
  /** The tree checked out. */
  readonly tree: string;
  /** The checkout (read by the reviewer's file tools). */
  readonly dir: string;
  /** A directory of the worker's own for this room: nothing in the room sees it unless mounted. */
  readonly scratch: string;
  /** Chromium inside the room's network (for the proof's runs against this room's app). */
  readonly browser: BrowserLauncher;
  /** Starts the app from the checkout (once) with the settings read before the agent ran. */
  startApp(): Promise<AppHandle>;
  exec(command: string, opts?: RoomExecOptions): Promise<ExecResult>;
  close(): Promise<void>;
}

export interface Sandbox {
  readonly id: string;
  readonly ticketId: string;
  /** The ticket's git worktree; the agent's files live here. */
  readonly worktree: string;
  readonly branch: string;
  readonly baseBranch: string;
  /** The commit of the base branch; the proof's base run and every diff use it. */
  readonly baseCommit: string;
  /** The commit the worktree started from (the base, or the PR head of a follow-up): the published commit's parent. */
  readonly startCommit: string;
  /** The trusted git dir (never mounted into the sandbox) that snapshots and commits live in. */
  readonly gitDir: string;
  readonly settings: TargetSettings;
  /** False when running with LOOPWRIGHT_SANDBOX=none (no isolation). */
  readonly isolated: boolean;
  /** The app running from the worktree (the head). */
  readonly app: AppHandle;
  readonly browser: BrowserLauncher;
  /** A scratch directory for this ticket outside the worktree (tool outputs, screenshots). */
  readonly scratchDir: string;
  exec(command: string, opts?: ExecOptions): Promise<ExecResult>;
  /**
   * The worktree's content now, as a tree in `gitDir` (the ignore rules the commit uses) and its
   * diff against `baseCommit`. Read through the one git runner: nothing the agent wrote runs.
   */
  snapshot(): Promise<Snapshot>;
  /**
   * A clean room on `treeish` (a tree or commit in `gitDir`); the caller closes it (teardown does
   * too). `deps: false` skips mounting dependencies (a room only read from, by the reviewer).
   */
  openRoom(treeish: string, label: string, opts?: { deps?: boolean }): Promise<Room>;
  /** Stops every process the agent may have left running (its commands and the app). */
  stopAgent(): Promise<void>;
  /** Removes processes and (unless kept for debugging) the worktrees. Safe to call twice. */
  teardown(opts?: { keep?: boolean }): Promise<void>;
}

export interface AcquireRequest {
  ticketId: string;
  branch: string;
  /** A follow-up ticket continues an existing branch instead of starting from the base. */
  continueBranch?: boolean;
  signal?: AbortSignal;
}

export interface SweepReport {
  processes: number;
  worktrees: number;
  namespaces: number;
}

export interface SandboxProvider {
  acquire(req: AcquireRequest): Promise<Sandbox>;
  /** Fill the pre-warmed pool up to its size. */
  warm(): Promise<void>;
  /** Remove leftovers of a crashed worker (processes, namespaces, worktrees). */
  sweep(): Promise<SweepReport>;
  close(): Promise<void>;
}
