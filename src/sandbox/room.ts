/**
 * A clean room: a sandbox of Loopwright's own on a fresh checkout of one tree, for the steps whose
 * verdict must not depend on anything the agent did — the proof's base run, the proof's head runs
 * on the snapshotted tree, the `checks` and the reviewer's reading. The checkout lives outside
 * every directory the agent's sandbox mounts, and (isolated) the room has its own network
 * namespace and cgroup: no agent process can see its files, write them, reach its port or squat
 * it. The only processes in its namespace are the ones Loopwright started there.
 *
 * A room is tracked by a state file like a sandbox, so a crashed worker's rooms are swept too.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { TargetSettings } from '../config/target.ts';
import type { Logger } from '../core/log.ts';
import { SandboxApp } from './app.ts';
import { writeBrowserLauncher } from './browser.ts';
import { runCapped } from './exec.ts';
import { createCgroup, createNetns, NAME_PREFIX } from './isolation.ts';
import { prepareDeps } from './mount-deps.ts';
import { appPort } from './ports.ts';
import { SandboxRunner } from './runner.ts';
import { createState, releaseRuntime, removeFiles, writeState, type SandboxState } from './state.ts';
import { checkoutTree, treeOf } from './tree.ts';
import type { AppHandle, BrowserLauncher, ExecResult, Room, RoomExecOptions } from './types.ts';

export interface RoomOptions {
  home: string;
  /** The trusted git dir holding the tree. */
  gitDir: string;
  /** A tree or commit id. */
  treeish: string;
  /** Short name for logs and paths: base, head, checks. */
  label: string;
  /** Settings read before the agent ran (the start commit's `.loopwright.yml`), never the tree's own. */
  settings: TargetSettings;
  isolated: boolean;
  memoryMb: number;
  maxProcs: number;
  chromiumPath?: string;
  toolTimeoutMs: number;
  /** Mount the dependencies (false for a room that is only read from). */
  deps: boolean;
  log?: Logger;
}



export class CleanRoom implements Room {
  readonly tree: string;
  readonly dir: string;
  readonly scratch: string;
  readonly label: string;
  readonly browser: BrowserLauncher;
  private readonly runner: SandboxRunner;
  private readonly state: SandboxState;
  private readonly opts: RoomOptions;
  private app?: SandboxApp;
  private execCount = 0;
  private closed = false;

  private constructor(init: {
    tree: string;
    dir: string;
    scratch: string;
    runner: SandboxRunner;
    state: SandboxState;
    browser: BrowserLauncher;
    opts: RoomOptions;
  }) {
    this.tree = init.tree;
    this.dir = init.dir;
    this.scratch = init.scratch;
    this.label = init.opts.label;
    this.runner = init.runner;
    this.state = init.state;
    this.browser = init.browser;
    this.opts = init.opts;
  }

  static async open(opts: RoomOptions): Promise<CleanRoom> {
    const id = `r${randomBytes(5).toString('hex')}`;
    const scratch = path.join(opts.home, 'sandboxes', id);
    const dir = path.join(opts.home, 'rooms', id, opts.label);
    const tmpDir = path.join(scratch, 'tmp');
    mkdirSync(tmpDir, { recursive: true });
    const state = createState(opts.home, { id, mirrorDir: opts.gitDir, worktrees: [dir], branch: '' });
    try {
      const tree = await treeOf(opts.gitDir, opts.treeish);
      await checkoutTree(opts.gitDir, tree, dir, scratch);
      const runner = await roomRunner(opts, state, dir, tmpDir);
      if (opts.deps) {
        const depsOpts = { config: { home: opts.home }, log: opts.log };
        await prepareDeps(runner, dir, opts.settings, depsOpts, scratch, opts.label);
      }
      const browser = writeBrowserLauncher({ runner, scratchDir: scratch, chromiumPath: opts.chromiumPath });
      return new CleanRoom({ tree, dir, scratch, runner, state, browser, opts });
    } catch (error) {
      await releaseRuntime(state).catch(() => undefined);
      await removeFiles(opts.home, state).catch(() => undefined);
      throw error;
    }
  }

  /** Starts the app once (`start` from the trusted settings) and returns it. */
  async startApp(): Promise<AppHandle> {
    if (this.app) return this.app;
    const app = new SandboxApp({
      runner: this.runner,
      cwd: this.dir,
      command: this.opts.settings.start ?? 'true',
      port: await appPort(this.runner.isolated),
      readyPath: this.opts.settings.ready,
      readyTimeoutMs: this.opts.settings.readyTimeoutMs,
      logPath: path.join(this.runner.tmpDir, `app-${this.label}.log`),
    });
    if (this.opts.settings.start) await app.start();
    if (!this.runner.isolated && app.pid) {
      this.state.processGroups.push(app.pid);
      writeState(this.opts.home, this.state);
    }
    this.app = app;
    return app;
  }

  exec(command: string, opts: RoomExecOptions = {}): Promise<ExecResult> {
    const n = ++this.execCount;
    const { dir, mounts, onlyMounts, tmpDir } = opts;
    return runCapped(this.runner.shell(command, { cwd: dir ?? this.dir, mounts, onlyMounts, tmpDir }), {
      timeoutMs: opts.timeoutMs ?? this.opts.toolTimeoutMs,
      signal: opts.signal,
      maxChars: 20_000,
      fullOutputPath: path.join(this.runner.tmpDir, 'outputs', `${this.label}-${n}.log`),
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.app?.stop();
    await releaseRuntime(this.state);
    await removeFiles(this.opts.home, this.state);
  }
}

/** The room's own namespace and cgroup (isolated), or a plain runner (LOOPWRIGHT_SANDBOX=none). */
async function roomRunner(opts: RoomOptions, state: SandboxState, dir: string, tmpDir: string): Promise<SandboxRunner> {
  let netns: string | undefined;
  let cgroup;
  if (opts.isolated) {
    const name = `${NAME_PREFIX}${state.id}`;
    state.netns = name;
    state.cgroup = name;
    writeState(opts.home, state);
    netns = await createNetns(name);
    cgroup = createCgroup(name, { memoryMb: opts.memoryMb, maxProcs: opts.maxProcs });
    if (!cgroup) state.cgroup = undefined;
    writeState(opts.home, state);
  }
  return new SandboxRunner({
    isolated: opts.isolated,
    tmpDir,
    mounts: [{ src: dir, dest: dir, mode: 'rw' }],
    netns,
    cgroup,
  });
}
