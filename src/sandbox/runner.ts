/**
 * How a sandbox turns "run this argv" into a host process: through bwrap inside the sandbox's
 * network namespace and cgroup, or — with LOOPWRIGHT_SANDBOX=none — directly, with the same clean
 * environment but no isolation at all.
 */
import path from 'node:path';
import { isolatedCommand, sandboxEnv, type Cgroup, type Mount } from './isolation.ts';

export interface HostCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

export interface RunOptions {
  /** Absolute path (inside the sandbox: the same path as on the host). */
  cwd: string;
  env?: Record<string, string>;
  /** Mounts in addition to the sandbox's own (e.g. the install's npm cache). */
  mounts?: Mount[];
  /** Replaces the sandbox's mounts (the browser needs none of the worktree). */
  onlyMounts?: Mount[];
  /** Private /tmp other than the sandbox's own. */
  tmpDir?: string;
  /** Run on the host's network instead of the sandbox's loopback (dependency installs). */
  hostNetwork?: boolean;
}

export interface RunnerOptions {
  isolated: boolean;
  tmpDir: string;
  mounts: Mount[];
  netns?: string;
  cgroup?: Cgroup;
}

export class SandboxRunner {
  readonly isolated: boolean;
  readonly tmpDir: string;
  /** Mounts every sandboxed process gets (worktrees, dependency caches); mutable as worktrees are added. */
  readonly mounts: Mount[];
  readonly netns?: string;
  readonly cgroup?: Cgroup;
  /** Variables every sandboxed process gets (the allowlisting proxy's address, when there is one). */
  readonly env: Record<string, string> = {};

  constructor(opts: RunnerOptions) {
    this.isolated = opts.isolated;
    this.tmpDir = opts.tmpDir;
    this.mounts = [...opts.mounts];
    this.netns = opts.netns;
    this.cgroup = opts.cgroup;
  }

  command(argv: string[], opts: RunOptions): HostCommand {
    const tmpDir = opts.tmpDir ?? this.tmpDir;
    if (!this.isolated) {
      const env = sandboxEnv({ HOME: tmpDir, TMPDIR: tmpDir, ...this.env, ...opts.env });
      return { file: argv[0]!, args: argv.slice(1), env, cwd: opts.cwd };
    }
    const env = sandboxEnv({ ...this.env, ...opts.env });
    const mounts = opts.onlyMounts ?? [...this.mounts, ...(opts.mounts ?? [])];
    const cmd = isolatedCommand(
      { tmpDir, mounts, env, cwd: opts.cwd, netns: this.netns, hostNetwork: opts.hostNetwork, cgroup: this.cgroup },
      argv,
    );
    // The host side of the command needs only a PATH; bwrap clears the rest before the sandbox starts.
    return { ...cmd, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }, cwd: '/' };
  }

  /** A shell command line inside the sandbox. */
  shell(command: string, opts: RunOptions): HostCommand {
    return this.command(['/bin/sh', '-c', command], opts);
  }
}

/** Kills a detached child's whole process group; with bwrap that takes its PID namespace down too. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

export const inside = (root: string, rel = '.'): string => {
  const p = path.resolve(root, rel);
  return p === root || p.startsWith(root + path.sep) ? p : root;
};
