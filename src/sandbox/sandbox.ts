/**
 * One sandbox: a worktree, its dependencies, its app, its browser launcher and the isolation they
 * share. Built by `buildSandbox` (provider.ts decides when: for a ticket, or ahead of time for the
 * pool); a pool sandbox is handed to a ticket with `claim`.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.ts';
import { readTargetSettings, type TargetSettings } from '../config/target.ts';
import type { Logger } from '../core/log.ts';
import { SandboxApp } from './app.ts';
import { writeBrowserLauncher } from './browser.ts';
import { runCapped } from './exec.ts';
import { writeExcludes } from './generated.ts';
import { pendingInstall, prepareDeps } from './mount-deps.ts';
import { appPort } from './ports.ts';
import { CleanRoom } from './room.ts';
import { createCgroup, createNetns, killCgroup, NAME_PREFIX, netnsPath } from './isolation.ts';
import { startAllowProxy, startForwarder, type AllowProxy } from './proxy.ts';
import { SandboxRunner, inside, killGroup } from './runner.ts';
import { createState, releaseRuntime, removeFiles, writeState, type SandboxState } from './state.ts';
import { snapshot, type Snapshot } from './tree.ts';
import type { BrowserLauncher, ExecOptions, ExecResult, Room, Sandbox } from './types.ts';
import type { Mirror } from './workspace.ts';

export interface BuildOptions {
  config: Config;
  mirror: Mirror;
  ticketId: string;
  branch: string;
  continueBranch?: boolean;
  isolated: boolean;
  log?: Logger;
  /** Hard cap on characters of a command's output kept in the result. */
  maxOutputChars?: number;
  /** A mirror fetch younger than this is reused (the caller just fetched). */
  fetchMaxAgeMs?: number;
}

/** Where the allowlisting proxy answers inside a sandbox (apps get even ports from 20000 up). */
export const PROXY_PORT = 19_999;


export class LocalSandbox implements Sandbox {
  readonly id: string;
  readonly worktree: string;
  readonly baseBranch: string;
  readonly baseCommit: string;
  readonly startCommit: string;
  readonly gitDir: string;
  readonly settings: TargetSettings;
  readonly isolated: boolean;
  readonly app: SandboxApp;
  readonly browser: BrowserLauncher;
  readonly scratchDir: string;
  readonly runner: SandboxRunner;
  private _ticketId: string;
  private _branch: string;
  private readonly opts: BuildOptions;
  private readonly state: SandboxState;
  private readonly rooms = new Set<Room>();
  private readonly proxy?: AllowProxy;
  private execCount = 0;
  private torn = false;

  constructor(init: {
    id: string;
    worktree: string;
    baseCommit: string;
    startCommit: string;
    settings: TargetSettings;
    app: SandboxApp;
    browser: BrowserLauncher;
    scratchDir: string;
    runner: SandboxRunner;
    state: SandboxState;
    opts: BuildOptions;
    proxy?: AllowProxy;
  }) {
    this.proxy = init.proxy;
    this.id = init.id;
    this.worktree = init.worktree;
    this.baseBranch = init.opts.config.baseBranch;
    this.baseCommit = init.baseCommit;
    this.startCommit = init.startCommit;
    this.gitDir = init.opts.mirror.dir;
    this.settings = init.settings;
    this.isolated = init.opts.isolated;
    this.app = init.app;
    this.browser = init.browser;
    this.scratchDir = init.scratchDir;
    this.runner = init.runner;
    this.state = init.state;
    this.opts = init.opts;
    this._ticketId = init.opts.ticketId;
    this._branch = init.opts.branch;
  }

  get ticketId(): string {
    return this._ticketId;
  }
  get branch(): string {
    return this._branch;
  }
  get home(): string {
    return this.opts.config.home;
  }

  /** Hands a pool sandbox to a ticket (its worktree is detached at the base: no branch to rename). */
  async claim(ticketId: string, branch: string): Promise<void> {
    this._ticketId = ticketId;
    this._branch = branch;
    this.state.branch = branch;
    writeState(this.home, this.state);
  }

  /** Memory charged to this sandbox's processes (bytes), where a cgroup measures it. */
  memoryBytes(): number | undefined {
    return this.runner.cgroup?.memoryBytes();
  }

  exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const n = ++this.execCount;
    const cmd = this.runner.shell(command, { cwd: inside(this.worktree, opts.cwd) });
    return runCapped(cmd, {
      timeoutMs: opts.timeoutMs ?? this.opts.config.budgets.toolTimeoutMs,
      signal: opts.signal,
      maxChars: this.opts.maxOutputChars ?? 20_000,
      // Under the sandbox's /tmp, so a command can read it back as /tmp/outputs/<n>.log.
      fullOutputPath: path.join(this.runner.tmpDir, 'outputs', `${n}.log`),
    });
  }

  snapshot(): Promise<Snapshot> {
    return snapshot(this.gitDir, this.worktree, {
      start: this.startCommit,
      base: this.baseCommit,
      scratch: this.scratchDir,
      // Outside every mount of the sandbox: the agent cannot change what counts as generated.
      excludesFile: writeExcludes(path.join(this.home, 'excludes'), this.settings.generated),
    });
  }

  async openRoom(treeish: string, label: string, roomOpts: { deps?: boolean } = {}): Promise<Room> {
    const room = await openCleanRoom(this.opts.config, this, treeish, label, { ...roomOpts, log: this.opts.log });
    this.rooms.add(room);
    return room;
  }

  async stopAgent(): Promise<void> {
    await this.app.stop();
    const cg = this.runner.cgroup;
    if (cg) {
      await killCgroup(cg);
      cg.setMaxPids(this.opts.config.sandboxMaxProcs);
    }
    for (const pgid of this.state.processGroups) killGroup(pgid);
  }

  async teardown(opts: { keep?: boolean } = {}): Promise<void> {
    if (this.torn) return;
    this.torn = true;
    for (const room of this.rooms) await room.close().catch(() => undefined);
    await this.app.stop();
    await releaseRuntime(this.state);
    await this.proxy?.close();
    if (opts.keep) {
      this.state.keepUntil = Date.now() + this.opts.config.keepFailedMs;
      this.state.netns = undefined;
      this.state.cgroup = undefined;
      writeState(this.home, this.state);
      const timer = setTimeout(() => void removeFiles(this.home, this.state).catch(() => undefined), this.opts.config.keepFailedMs);
      timer.unref();
      return;
    }
    await removeFiles(this.home, this.state);
  }
}

/**
 * A clean room on `treeish` from a sandbox's trusted git dir, with the settings the sandbox read
 * before the agent ran. Owned by the caller: a room opened here outlives any one sandbox.
 */
export function openCleanRoom(
  config: Config,
  source: Pick<Sandbox, 'gitDir' | 'settings' | 'isolated'>,
  treeish: string,
  label: string,
  opts: { deps?: boolean; log?: Logger } = {},
): Promise<CleanRoom> {
  return CleanRoom.open({
    home: config.home,
    gitDir: source.gitDir,
    treeish,
    label,
    settings: source.settings,
    isolated: source.isolated,
    memoryMb: config.sandboxMemoryMb,
    maxProcs: config.sandboxMaxProcs,
    chromiumPath: config.chromiumPath,
    toolTimeoutMs: config.budgets.toolTimeoutMs,
    deps: opts.deps ?? true,
    log: opts.log,
  });
}

/** Ends the proxy forwarder (the only process a sandbox has before its app). */
async function releaseForwarder(state: SandboxState): Promise<void> {
  for (const pgid of state.processGroups.splice(0)) killGroup(pgid);
}

/** Builds a sandbox up to a ready app. On failure everything created so far is removed again. */
export async function buildSandbox(opts: BuildOptions): Promise<LocalSandbox> {
  const { config, mirror, log } = opts;
  const t0 = Date.now();
  const id = randomBytes(5).toString('hex');
  const name = `${NAME_PREFIX}${id}`;
  const scratchDir = path.join(config.home, 'sandboxes', id);
  const worktree = path.join(config.home, 'worktrees', id, 'head');
  const tmpDir = path.join(scratchDir, 'tmp');
  mkdirSync(tmpDir, { recursive: true });
  const state = createState(config.home, { id, mirrorDir: mirror.dir, worktrees: [worktree], branch: opts.branch });
  const timings: Record<string, number> = {};
  const mark = (step: string, since: number) => (timings[step] = Date.now() - since);
  let proxy: AllowProxy | undefined;
  try {
    let t = Date.now();
    // A follow-up continues the PR branch as it is now on the forge: always a fresh fetch.
    await mirror.sync(opts.continueBranch ? 0 : (opts.fetchMaxAgeMs ?? 0));
    const baseCommit = await mirror.commitOf(config.baseBranch);
    // Read before anything of the agent's runs: the commit it starts from, the settings it runs by.
    const startCommit = opts.continueBranch ? await mirror.commitOf(opts.branch) : baseCommit;
    await mirror.addWorktree(worktree, startCommit);
    mark('worktree', t);
    const settings = readTargetSettings(worktree);

    t = Date.now();
    let netns: string | undefined;
    let cgroup;
    if (opts.isolated) {
      state.netns = name;
      state.cgroup = name;
      writeState(config.home, state);
      netns = await createNetns(name);
      cgroup = createCgroup(name, { memoryMb: config.sandboxMemoryMb, maxProcs: config.sandboxMaxProcs });
      if (!cgroup) state.cgroup = undefined;
    }
    const runner = new SandboxRunner({
      isolated: opts.isolated,
      tmpDir,
      // The worktree is the agent's; its git metadata is not: the `.git` pointer stays read-only.
      mounts: [
        { src: worktree, dest: worktree, mode: 'rw' },
        { src: path.join(worktree, '.git'), dest: path.join(worktree, '.git'), mode: 'ro' },
      ],
      netns: netns ? netnsPath(name) : undefined,
      cgroup,
    });
    // The allowlisting proxy: needed for an install (the registry) and for hosts listed under `network`.
    const install = pendingInstall(config.home, worktree, settings);
    if (opts.isolated && (settings.network.length > 0 || install)) {
      const socket = path.join(scratchDir, 'proxy.sock');
      proxy = await startAllowProxy(socket, [...settings.network, ...(install?.hosts ?? [])]);
      const forwarder = await startForwarder(netnsPath(name), PROXY_PORT, socket, cgroup);
      if (forwarder.pid) state.processGroups.push(forwarder.pid);
      const url = `http://127.0.0.1:${PROXY_PORT}`;
      Object.assign(runner.env, { HTTP_PROXY: url, HTTPS_PROXY: url, http_proxy: url, https_proxy: url, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' });
      writeState(config.home, state);
    }
    mark('isolation', t);

    t = Date.now();
    try {
      await prepareDeps(runner, worktree, settings, opts, scratchDir, 'head');
    } finally {
      // After the install only the hosts the repo lists stay reachable; with none listed, no proxy at all.
      if (proxy) proxy.allow = [...settings.network];
      if (proxy && settings.network.length === 0) {
        await proxy.close();
        proxy = undefined;
        for (const k of Object.keys(runner.env)) if (/_proxy$/i.test(k)) delete runner.env[k];
        await releaseForwarder(state);
      }
    }
    mark('deps', t);

    t = Date.now();
    const app = new SandboxApp({
      runner,
      cwd: worktree,
      command: settings.start ?? 'true',
      port: await appPort(opts.isolated),
      readyPath: settings.ready,
      readyTimeoutMs: settings.readyTimeoutMs,
      logPath: path.join(tmpDir, 'app.log'),
    });
    if (settings.start) await app.start();
    if (!opts.isolated && app.pid) state.processGroups.push(app.pid);
    writeState(config.home, state);
    mark('app', t);

    const browser = writeBrowserLauncher({ runner, scratchDir, chromiumPath: config.chromiumPath });
    log?.info({ sandbox: id, ms: Date.now() - t0, timings }, 'sandbox ready');
    return new LocalSandbox({ id, worktree, baseCommit, startCommit, settings, app, browser, scratchDir, runner, state, opts, proxy });
  } catch (error) {
    await proxy?.close().catch(() => undefined);
    await releaseRuntime(state).catch(() => undefined);
    await removeFiles(config.home, state).catch(() => undefined);
    throw error;
  }
}
