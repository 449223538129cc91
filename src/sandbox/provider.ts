/**
 * The sandbox provider of a worker: builds sandboxes for tickets, keeps a small pool of ready ones
 * so a queued ticket usually claims one already up, and sweeps what a crashed worker left behind.
 */
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/schema.ts';
import { CodedError, ErrorCode } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { BWRAP } from './isolation.ts';
import { buildSandbox, type LocalSandbox } from './sandbox.ts';
import { sweepHome } from './state.ts';
import type { AcquireRequest, Sandbox, SandboxProvider, SweepReport } from './types.ts';
import { Mirror } from './workspace.ts';

export interface SandboxProviderOptions {
  config: Config;
  /** A path to a git repo (bare or not) or a URL. */
  repoUrl: string;
  /** Credentials env for fetches only (e.g. GIT_ASKPASS); called per fetch and never written to disk. */
  gitEnv?: () => Record<string, string>;
  log?: Logger;
  /** Told on every ticket when sandboxes run without isolation. */
  onWarning?: (msg: string) => void;
}

export const UNISOLATED_WARNING =
  'LOOPWRIGHT_SANDBOX=none: this ticket runs WITHOUT isolation — the agent and the app can read this machine, its network and the worker\'s files';

/** Why isolation cannot run here, with the fix; absent when it can. */
export function isolationUnavailable(): CodedError | undefined {
  if (process.platform !== 'linux') {
    return new CodedError(ErrorCode.SandboxUnavailable, `Sandboxes need Linux (bubblewrap); this is ${process.platform}`, {
      hint: 'run the worker on Linux or in the Docker image, or set LOOPWRIGHT_SANDBOX=none to run without isolation',
    });
  }
  if (!existsSync(BWRAP)) {
    return new CodedError(ErrorCode.SandboxUnavailable, 'bubblewrap (bwrap) is not installed', {
      hint: 'install it (`apt-get install bubblewrap`, or `loopwright doctor --fix`), or set LOOPWRIGHT_SANDBOX=none to run without isolation',
    });
  }
  if (process.getuid?.() !== 0) {
    return new CodedError(ErrorCode.SandboxUnavailable, 'Sandboxes need root to create network namespaces', {
      hint: 'run the worker as root (as in the Docker image), or set LOOPWRIGHT_SANDBOX=none to run without isolation',
    });
  }
  return undefined;
}

interface PoolEntry {
  sandbox: LocalSandbox;
  timer: NodeJS.Timeout;
}

export class LocalSandboxProvider implements SandboxProvider {
  private readonly opts: SandboxProviderOptions;
  private readonly mirror: Mirror;
  private readonly isolated: boolean;
  private readonly pool: PoolEntry[] = [];
  private building = 0;
  private readonly inflight = new Set<Promise<void>>();
  private readonly active = new Set<LocalSandbox>();
  private closed = false;

  constructor(opts: SandboxProviderOptions) {
    this.opts = opts;
    this.isolated = opts.config.sandbox !== 'none';
    this.mirror = new Mirror(opts.config.home, opts.repoUrl, opts.gitEnv);
  }

  private check(): void {
    if (this.closed) throw new CodedError(ErrorCode.SandboxFailed, 'The sandbox provider is closed');
    if (this.isolated) {
      const why = isolationUnavailable();
      if (why) throw why;
    }
  }

  private build(ticketId: string, branch: string, continueBranch = false, fetchMaxAgeMs = 0): Promise<LocalSandbox> {
    return buildSandbox({
      fetchMaxAgeMs,
      config: this.opts.config,
      mirror: this.mirror,
      ticketId,
      branch,
      continueBranch,
      isolated: this.isolated,
      log: this.opts.log,
    });
  }

  async acquire(req: AcquireRequest): Promise<Sandbox> {
    this.check();
    if (!this.isolated) {
      this.opts.onWarning?.(UNISOLATED_WARNING);
      this.opts.log?.warn({ ticket: req.ticketId }, UNISOLATED_WARNING);
    }
    req.signal?.throwIfAborted();
    // One fetch per ticket: the pool check and a fresh build both use it.
    await this.mirror.sync(0);
    let sandbox: LocalSandbox | undefined;
    if (!req.continueBranch && this.pool.length > 0) sandbox = await this.claimFromPool(req);
    if (!sandbox) sandbox = await this.build(req.ticketId, req.branch, req.continueBranch, 60_000);
    this.active.add(sandbox);
    if (this.opts.config.poolSize > 0) void this.warm();
    if (req.signal?.aborted) {
      await sandbox.teardown();
      req.signal.throwIfAborted();
    }
    return this.track(sandbox);
  }

  /** Takes a pool sandbox still at the current base commit; stale ones are discarded. */
  private async claimFromPool(req: AcquireRequest): Promise<LocalSandbox | undefined> {
    const head = await this.mirror.commitOf(this.opts.config.baseBranch);
    while (this.pool.length > 0) {
      const entry = this.pool.shift()!;
      clearTimeout(entry.timer);
      if (entry.sandbox.baseCommit === head) {
        await entry.sandbox.claim(req.ticketId, req.branch);
        return entry.sandbox;
      }
      void entry.sandbox.teardown().catch(() => undefined);
    }
    return undefined;
  }

  /** Drops a sandbox from the active set when its owner tears it down. */
  private track(sandbox: LocalSandbox): Sandbox {
    const teardown = sandbox.teardown.bind(sandbox);
    sandbox.teardown = async (opts) => {
      this.active.delete(sandbox);
      await teardown(opts);
    };
    return sandbox;
  }

  async warm(): Promise<void> {
    this.check();
    while (!this.closed && this.pool.length + this.building < this.opts.config.poolSize) {
      this.building++;
      const branch = `loopwright/pool-${randomBytes(4).toString('hex')}`;
      const job: Promise<void> = this.build('', branch, false, 5000)
        .then(async (sandbox) => {
            if (this.closed) return sandbox.teardown();
            const timer = setTimeout(() => this.expire(sandbox), this.opts.config.poolIdleMs);
            timer.unref();
            this.pool.push({ sandbox, timer });
          })
          .catch((error: unknown) => {
            this.opts.log?.warn({ err: error }, 'pre-warming a sandbox failed');
          })
          .finally(() => {
            this.building--;
            this.inflight.delete(job);
          });
      this.inflight.add(job);
    }
    // Builds started earlier (a refill after a claim) count too: the pool is full when they land.
    await Promise.all([...this.inflight]);
  }

  private expire(sandbox: LocalSandbox): void {
    const i = this.pool.findIndex((e) => e.sandbox === sandbox);
    if (i < 0) return;
    this.pool.splice(i, 1);
    void sandbox.teardown().catch(() => undefined);
  }

  /** How many pool sandboxes are ready right now. */
  get ready(): number {
    return this.pool.length;
  }

  sweep(): Promise<SweepReport> {
    return sweepHome(this.opts.config.home);
  }

  async close(): Promise<void> {
    this.closed = true;
    const pool = this.pool.splice(0);
    for (const e of pool) clearTimeout(e.timer);
    // Wait for pool builds in flight; they tear themselves down once they see `closed`.
    while (this.building > 0) await new Promise((r) => setTimeout(r, 50));
    await Promise.all([
      ...pool.map((e) => e.sandbox.teardown()),
      ...[...this.active].map((s) => s.teardown({ keep: true })),
    ]);
  }
}
