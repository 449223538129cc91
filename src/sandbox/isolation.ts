/**
 * Isolation primitives for one sandbox on Linux: a named network namespace holding only a
 * loopback, a cgroup bounding memory and process count, and the bubblewrap command line that gives
 * a process a read-only system, a writable worktree, a private /tmp and an allowlisted environment.
 * Everything the sandbox runs (install, app, the agent's commands, Chromium) goes through
 * `isolatedCommand`, so they share the same loopback and the same limits.
 */
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { cacheEnv } from './generated.ts';

const execFileP = promisify(execFile);

export const BWRAP = '/usr/bin/bwrap';
export const NETNS_DIR = '/run/netns';
/** Every namespace and cgroup Loopwright creates starts with this, so a sweep finds only its own. */
export const NAME_PREFIX = 'lw-';

/** Files of /etc a process needs to run programs, resolve users and trust certificates; no secrets. */
const ETC_ALLOW = [
  'passwd',
  'group',
  'hosts',
  'nsswitch.conf',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'localtime',
  'ssl',
  'ca-certificates',
  'alternatives',
  'fonts',
  'chromium',
  'chromium.d',
  'mime.types',
  'os-release',
  'debian_version',
  'gitconfig',
];

/** Variables of the environment a sandboxed process may see; nothing else of the worker leaks in. */
export const ENV_ALLOW = ['LANG', 'LC_ALL', 'TZ', 'TERM'];

export interface Mount {
  src: string;
  dest: string;
  /** `ro` read-only bind, `rw` writable bind, `overlay` read-only lower with a throwaway writable layer. */
  mode: 'ro' | 'rw' | 'overlay';
}

export interface IsolationSpec {
  /** Host directory bound at /tmp (private to this sandbox). */
  tmpDir: string;
  mounts: Mount[];
  env: Record<string, string>;
  cwd: string;
  /** Network namespace path; absent means bwrap's own empty network namespace. */
  netns?: string;
  /** The host's network (dependency installs only, until they go through the allowlisting proxy). */
  hostNetwork?: boolean;
  cgroup?: Cgroup;
}

/**
 * The environment a sandboxed process starts with: an allowlist plus what the sandbox sets, with
 * tool caches turned off or kept under the private /tmp (generated.ts).
 */
export function sandboxEnv(extra: Record<string, string>, from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {
    ...cacheEnv(extra.TMPDIR ?? '/tmp'),
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: '/tmp',
    TMPDIR: '/tmp',
    LANG: 'C.UTF-8',
    CI: '1',
    TERM: 'dumb',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
  for (const key of ENV_ALLOW) {
    const value = from[key];
    if (value) env[key] = value;
  }
  return { ...env, ...extra };
}

/** The system part of the sandbox: /usr read-only, the merged-usr links, an allowlisted /etc. */
function systemArgs(): string[] {
  const args = ['--ro-bind', '/usr', '/usr'];
  for (const top of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    if (!existsSync(top)) continue;
    const st = lstatSync(top);
    if (st.isSymbolicLink()) args.push('--symlink', readlinkSync(top), top);
    else args.push('--ro-bind', top, top);
  }
  for (const name of ETC_ALLOW) args.push('--ro-bind-try', `/etc/${name}`, `/etc/${name}`);
  args.push('--dev', '/dev', '--tmpfs', '/dev/shm', '--proc', '/proc');
  return args;
}

/** The full bwrap argument list (without the program) for a spec. */
export function bwrapArgs(spec: IsolationSpec): string[] {
  const args = [
    ...systemArgs(),
    '--bind',
    spec.tmpDir,
    '/tmp',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    '--hostname',
    'sandbox',
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
  ];
  if (!spec.netns && !spec.hostNetwork) args.push('--unshare-net');
  // Only an install on the host's network gets the host's resolver.
  if (spec.hostNetwork) args.push('--ro-bind-try', '/etc/resolv.conf', '/etc/resolv.conf');
  for (const m of spec.mounts) {
    if (m.mode === 'rw') args.push('--bind', m.src, m.dest);
    else if (m.mode === 'ro') args.push('--ro-bind', m.src, m.dest);
    else args.push('--overlay-src', m.src, '--tmp-overlay', m.dest);
  }
  // The root bwrap builds is a tmpfs; once every mount point exists, nothing else may be written there.
  args.push('--remount-ro', '/');
  args.push('--clearenv');
  for (const [k, v] of Object.entries(spec.env)) args.push('--setenv', k, v);
  args.push('--chdir', spec.cwd);
  return args;
}

/**
 * The host command that runs `argv` inside the sandbox: join the cgroup (by a tiny sh of ours,
 * before anything untrusted runs), enter the network namespace, then bwrap.
 */
export function isolatedCommand(spec: IsolationSpec, argv: string[]): { file: string; args: string[] } {
  const enter = spec.netns && !spec.hostNetwork ? ['/usr/bin/nsenter', `--net=${spec.netns}`] : [];
  const inner = [...enter, BWRAP, ...bwrapArgs(spec), '--', ...argv];
  const procs = spec.cgroup?.procFiles ?? [];
  if (procs.length === 0) return { file: inner[0]!, args: inner.slice(1) };
  const script = 'while [ "$1" != -- ]; do echo $$ > "$1"; shift; done; shift; exec "$@"';
  return { file: '/bin/sh', args: ['-c', script, 'sh', ...procs, '--', ...inner] };
}

/** Shell-quotes one word for a generated script. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

// ---------- network namespaces ----------

export const netnsPath = (name: string): string => path.join(NETNS_DIR, name);

/** Creates a network namespace with only a loopback, up. */
export async function createNetns(name: string): Promise<string> {
  await execFileP('ip', ['netns', 'add', name]);
  await execFileP('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return netnsPath(name);
}

export async function deleteNetns(name: string): Promise<void> {
  if (!existsSync(netnsPath(name))) return;
  await execFileP('ip', ['netns', 'del', name]).catch(() => undefined);
}

// ---------- cgroups ----------

/** A cgroup (v1 memory+pids controllers, or one v2 group) bounding a sandbox. */
export interface Cgroup {
  /** Directories of the cgroup (one for v2, one per controller for v1). */
  dirs: string[];
  /** `cgroup.procs` files a process writes its pid to in order to join. */
  procFiles: string[];
  /** Sets pids.max (to stop forks during teardown). */
  setMaxPids(n: number | 'max'): void;
  pids(): number[];
  /** Bytes of memory charged to the group (RSS + page cache of its processes). */
  memoryBytes(): number;
  remove(): void;
}

const CG = '/sys/fs/cgroup';

/** Where this process sits in a v1 hierarchy, so sandbox groups nest under the worker's own limits. */
function ownV1Path(controller: string): string {
  try {
    for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
      const [, ctrls, p] = line.split(':');
      if (ctrls?.split(',').includes(controller) && p !== undefined) return p;
    }
  } catch {
    /* fall through */
  }
  return '/';
}

function cgroupLayout(): 'v1' | 'v2' | 'none' {
  try {
    const controllers = readFileSync(path.join(CG, 'cgroup.controllers'), 'utf8');
    if (controllers.includes('memory') && controllers.includes('pids')) return 'v2';
  } catch {
    /* not a pure v2 mount */
  }
  if (existsSync(path.join(CG, 'memory', 'cgroup.procs')) && existsSync(path.join(CG, 'pids', 'cgroup.procs'))) return 'v1';
  return 'none';
}

/** Parent directories new sandbox groups go under, per layout. */
function cgroupParents(layout: 'v1' | 'v2'): { memory: string; pids: string } {
  if (layout === 'v2') {
    const own = readFileSync('/proc/self/cgroup', 'utf8').match(/^0::(.*)$/m)?.[1] ?? '/';
    // A v2 group with processes cannot have children with controllers; use the root's sibling space.
    const dir = path.join(CG, path.dirname(own));
    return { memory: dir, pids: dir };
  }
  return {
    memory: path.join(CG, 'memory', ownV1Path('memory')),
    pids: path.join(CG, 'pids', ownV1Path('pids')),
  };
}

function readInt(file: string): number {
  try {
    return Number.parseInt(readFileSync(file, 'utf8').trim(), 10) || 0;
  } catch {
    return 0;
  }
}

function cgroupAt(layout: 'v1' | 'v2', memDir: string, pidsDir: string): Cgroup {
  const dirs = layout === 'v2' ? [memDir] : [memDir, pidsDir];
  return {
    dirs,
    procFiles: dirs.map((d) => path.join(d, 'cgroup.procs')),
    setMaxPids(n) {
      try {
        writeFileSync(path.join(pidsDir, 'pids.max'), String(n));
      } catch {
        /* group already gone */
      }
    },
    pids() {
      const all = new Set<number>();
      for (const d of dirs) {
        try {
          for (const l of readFileSync(path.join(d, 'cgroup.procs'), 'utf8').split('\n')) if (l) all.add(Number(l));
        } catch {
          /* gone */
        }
      }
      return [...all];
    },
    memoryBytes() {
      return readInt(path.join(memDir, layout === 'v2' ? 'memory.current' : 'memory.usage_in_bytes'));
    },
    remove() {
      for (const d of dirs) {
        try {
          rmdirSync(d);
        } catch {
          /* busy or gone; the sweep retries */
        }
      }
    },
  };
}

/** Creates (or reopens) the cgroup of sandbox `name`; absent when this machine offers no cgroups we may write. */
export function createCgroup(name: string, limits: { memoryMb: number; maxProcs: number }): Cgroup | undefined {
  const layout = cgroupLayout();
  if (layout === 'none') return undefined;
  try {
    const parents = cgroupParents(layout);
    const memDir = path.join(parents.memory, name);
    const pidsDir = path.join(parents.pids, name);
    mkdirSync(memDir, { recursive: true });
    mkdirSync(pidsDir, { recursive: true });
    const bytes = String(limits.memoryMb * 1024 * 1024);
    if (layout === 'v2') {
      writeFileSync(path.join(memDir, 'memory.max'), bytes);
      writeFileSync(path.join(memDir, 'memory.swap.max'), '0');
    } else {
      writeFileSync(path.join(memDir, 'memory.limit_in_bytes'), bytes);
    }
    writeFileSync(path.join(pidsDir, 'pids.max'), String(limits.maxProcs));
    return cgroupAt(layout, memDir, pidsDir);
  } catch {
    return undefined;
  }
}

/** Opens the cgroup of sandbox `name` if it exists (for the sweep). */
export function openCgroup(name: string): Cgroup | undefined {
  const layout = cgroupLayout();
  if (layout === 'none') return undefined;
  const parents = cgroupParents(layout);
  const memDir = path.join(parents.memory, name);
  const pidsDir = path.join(parents.pids, name);
  if (!existsSync(memDir) && !existsSync(pidsDir)) return undefined;
  return cgroupAt(layout, memDir, pidsDir);
}

/** Stops new forks, then kills every process of the group until none is left. Returns how many were killed. */
export async function killCgroup(cg: Cgroup): Promise<number> {
  cg.setMaxPids(0);
  let killed = 0;
  for (let round = 0; round < 50; round++) {
    const pids = cg.pids();
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
        killed++;
      } catch {
        /* already gone */
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return killed;
}

/** Whether bwrap, ip and nsenter are present and a namespace with bwrap inside actually runs here. */
export async function probeIsolation(): Promise<{ ok: boolean; detail: string }> {
  for (const bin of [BWRAP, '/usr/bin/nsenter']) {
    if (!existsSync(bin)) return { ok: false, detail: `${bin} not found` };
  }
  const name = `${NAME_PREFIX}probe-${process.pid}`;
  try {
    const ns = await createNetns(name);
    const tmp = `/tmp/${name}`;
    mkdirSync(tmp, { recursive: true });
    const cmd = isolatedCommand({ tmpDir: tmp, mounts: [], env: sandboxEnv({}), cwd: '/', netns: ns }, ['/bin/true']);
    await execFileP(cmd.file, cmd.args, { timeout: 10_000 });
    rmdirSync(tmp);
    const cg = createCgroup(name, { memoryMb: 64, maxProcs: 8 });
    cg?.remove();
    return { ok: true, detail: `bwrap + network namespace work; limits via ${cg ? `cgroups ${cgroupLayout()}` : 'none (no writable cgroup)'}` };
  } catch (error) {
    return { ok: false, detail: `isolation probe failed: ${(error as Error).message.split('\n')[0]}` };
  } finally {
    await deleteNetns(name);
  }
}
