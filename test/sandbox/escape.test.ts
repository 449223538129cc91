/**
 * Escape attempts against the real bwrap sandbox, each made twice: by a command the agent runs
 * and by the app's own code (the fixture app runs the attempt when asked on /attempt). Every test
 * name says what is attempted and what stops it. An attempt "succeeding" is a sandbox defect.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxProvider } from '../../src/sandbox/index.ts';
import type { Sandbox, SandboxProvider } from '../../src/sandbox/types.ts';
import { isolationSkipReason, makeWorld, testConfig } from './helpers.ts';

const skip = isolationSkipReason();

const PLANTED = {
  GITHUB_TOKEN: 'ghp_plantedPlantedPlantedPlanted0123456789',
  SLACK_BOT_TOKEN: 'xoxb-planted-planted-planted',
  OPENAI_API_KEY: 'sk-plantedplantedplantedplanted',
  DATABASE_URL: 'postgres://planted:planted@127.0.0.1/planted',
};

interface Outcome {
  ok: boolean;
  detail: string;
}

/** The host's first non-loopback IPv4 address, if any. */
function hostAddress(): string | undefined {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

describe.skipIf(skip)('escape attempts (bwrap + network namespace)', () => {
  const world = makeWorld();
  let provider: SandboxProvider;
  let sb: Sandbox;
  let other: Sandbox;
  let web: Server;
  let webPort = 0;
  const saved: Record<string, string | undefined> = {};

  /** Runs one attempt from a command and from the app; returns both outcomes. */
  async function attempt(name: string, arg: string): Promise<{ command: Outcome; app: Outcome }> {
    const parse = (text: string): Outcome | undefined => {
      try {
        return JSON.parse(text.trim().split('\n').pop() ?? '') as Outcome;
      } catch {
        return undefined;
      }
    };
    // A probe that printed no verdict (killed on a loaded machine: "Aborted") proves nothing either
    // way: it runs once more, and a second time without a verdict counts as an escape.
    const run = async (command: string): Promise<Outcome> => {
      for (let i = 0; ; i++) {
        const r = await sb.exec(command, { timeoutMs: 20_000 });
        const outcome = parse(r.output);
        if (outcome) return outcome;
        if (i === 1) return { ok: true, detail: `unparseable result: ${r.output}` };
      }
    };
    const command = await run(`node src/escape.js ${name} '${arg}'`);
    const app = await run(
      `curl -s --max-time 15 '${sb.app.url}/attempt?name=${name}&arg=${encodeURIComponent(arg)}'`,
    );
    return { command, app };
  }

  async function expectStopped(name: string, arg: string, detail?: RegExp): Promise<void> {
    const r = await attempt(name, arg);
    expect(r.command.ok, `command: ${r.command.detail}`).toBe(false);
    expect(r.app.ok, `app: ${r.app.detail}`).toBe(false);
    if (detail) {
      expect(r.command.detail).toMatch(detail);
      expect(r.app.detail).toMatch(detail);
    }
  }

  beforeAll(async () => {
    for (const [k, v] of Object.entries(PLANTED)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    web = createServer((_req, res) => res.end('loopwright web'));
    await new Promise<void>((r) => web.listen(0, '0.0.0.0', r));
    webPort = (web.address() as { port: number }).port;
    provider = createSandboxProvider({
      config: testConfig(world.home, { sandboxMemoryMb: 256, sandboxMaxProcs: 64 }),
      repoUrl: world.repo,
    });
    sb = await provider.acquire({ ticketId: 'E1', branch: 'loopwright/E1-x' });
    other = await provider.acquire({ ticketId: 'E2', branch: 'loopwright/E2-x' });
  });
  afterAll(async () => {
    await provider?.close();
    web?.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    world.cleanup();
  });

  it('cannot read /root: not mounted (bwrap binds only /usr, part of /etc, the worktree and a private /tmp)', async () => {
    await expectStopped('read', '/root', /ENOENT/);
  });

  it("cannot read the worker's $HOME: not mounted", async () => {
    await expectStopped('read', os.homedir(), /ENOENT/);
  });

  it('cannot read the Loopwright home (database, evidence, mirrors): not mounted', async () => {
    mkdirSync(path.join(world.home, 'evidence', 'T0'), { recursive: true });
    writeFileSync(path.join(world.home, 'evidence', 'T0', 'manifest.json'), '{"secret":"evidence"}');
    writeFileSync(path.join(world.home, 'loopwright.db'), 'database');
    await expectStopped('read', path.join(world.home, 'loopwright.db'), /ENOENT/);
    await expectStopped('read', path.join(world.home, 'evidence'), /ENOENT/);
    await expectStopped('read', path.join(world.home, 'mirrors'), /ENOENT/);
    await expectStopped('read', path.join(world.home, 'deps'), /ENOENT/);
    // The home itself shows only the empty mount-point directories bwrap made for the worktree.
    const listing = await attempt('read', world.home);
    expect(listing.command.detail).toBe('worktrees');
  });

  it("cannot read another ticket's worktree or its /tmp: not mounted", async () => {
    await expectStopped('read', path.join(other.worktree, 'package.json'), /ENOENT/);
    await expectStopped('read', path.join(other.scratchDir, 'tmp', 'app.log'), /ENOENT/);
  });

  it('cannot write outside the worktree and /tmp: the system is a read-only bind, the rest absent', async () => {
    await expectStopped('write', '/usr/bin/escaped', /EROFS/);
    await expectStopped('write', '/etc/passwd', /EROFS/);
    await expectStopped('write', '/escaped', /EROFS|EACCES|ENOENT/);
    await expectStopped('write', '/var/escaped', /ENOENT/);
    await expectStopped('write', path.join(os.homedir(), 'escaped'), /ENOENT/);
    // A path under /tmp lands in the sandbox's private /tmp, never in the host's.
    await attempt('write', path.join(world.root, 'escaped'));
    expect(existsSync(path.join(world.root, 'escaped'))).toBe(false);
    expect(existsSync(path.join(os.homedir(), 'escaped'))).toBe(false);
    // Writes inside the worktree work, and land in this ticket's worktree only.
    const ok = await attempt('write', path.join(sb.worktree, 'written.txt'));
    expect(ok.command.ok).toBe(true);
    expect(existsSync(path.join(sb.worktree, 'written.txt'))).toBe(true);
    expect(existsSync(path.join(other.worktree, 'written.txt'))).toBe(false);
  });

  it("cannot see the worker's tokens in its environment: bwrap --clearenv plus an allowlist", async () => {
    await expectStopped('env', Object.keys(PLANTED).join(','), /^none$/);
    const env = (await sb.exec('env')).output;
    for (const v of Object.values(PLANTED)) expect(env).not.toContain(v);
  });

  it("cannot read the worker's environment through /proc: its own PID namespace shows only sandbox processes", async () => {
    await expectStopped('procenv', PLANTED.GITHUB_TOKEN, /no \/proc/);
    await expectStopped('read', `/proc/${process.pid}/environ`);
  });

  it("cannot reach Loopwright's own web server on 127.0.0.1: the sandbox has its own loopback", async () => {
    // The server answers on the host...
    expect(await (await fetch(`http://127.0.0.1:${webPort}/`)).text()).toBe('loopwright web');
    // ...but 127.0.0.1 inside the sandbox is a different interface.
    await expectStopped('tcp', `127.0.0.1:${webPort}`, /ECONNREFUSED/);
  });

  it("cannot reach the host's other addresses: the namespace has no route off its loopback", async () => {
    const addr = hostAddress();
    expect(addr, 'this machine has a non-loopback address to try').toBeDefined();
    await expectStopped('tcp', `${addr}:${webPort}`, /ENETUNREACH|EHOSTUNREACH|ECONNREFUSED|timeout/);
  });

  it('cannot reach any external address over TCP or DNS: no route and no resolver', async () => {
    await expectStopped('tcp', '1.1.1.1:443', /ENETUNREACH|EHOSTUNREACH|timeout/);
    await expectStopped('tcp', '8.8.8.8:53', /ENETUNREACH|EHOSTUNREACH|timeout/);
    await expectStopped('dns', 'registry.npmjs.org', /EAI_AGAIN|ENOTFOUND|ECONNREFUSED/);
  });

  it('cannot leave a process behind after teardown: bwrap --unshare-pid --die-with-parent plus a cgroup kill', async () => {
    const victim = await provider.acquire({ ticketId: 'E3', branch: 'loopwright/E3-x' });
    // Daemonize in every way a shell allows; with a marker to find them on the host.
    await victim.exec('(setsid sleep 987654 &); nohup sleep 987655 >/dev/null 2>&1 & echo started', { timeoutMs: 5000 });
    await victim.exec('sleep 987656 &');
    const marker = () =>
      readdirSync('/proc')
        .filter((d) => /^\d+$/.test(d))
        .filter((pid) => {
          try {
            return /sleep\s98765\d/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
          } catch {
            return false;
          }
        });
    const appPid = (victim as unknown as { app: { pid?: number } }).app.pid;
    expect(appPid).toBeGreaterThan(0);
    await victim.teardown();
    expect(marker()).toEqual([]);
    expect(existsSync(`/proc/${appPid}`)).toBe(false);
    expect(existsSync(`/run/netns/lw-${victim.id}`)).toBe(false);
  });

  it('cannot fork-bomb the machine: pids.max of the sandbox cgroup stops it, the timeout ends it', async () => {
    const started = Date.now();
    const bomb = await sb.exec('bomb() { bomb | bomb & }; bomb; sleep 3; echo survived', { timeoutMs: 8000 });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(bomb.output).toMatch(/fork|Resource temporarily unavailable|Cannot|retry/i);
    // The machine and the sandbox are still usable afterwards.
    expect((await sb.exec('echo alive')).output.trim()).toBe('alive');
  });

  it('cannot exhaust memory: the cgroup memory limit OOM-kills a hog started by a command', async () => {
    const hog = await sb.exec(`node -e 'const a=[]; for(;;) a.push(Buffer.alloc(8e6, 1))'`, { timeoutMs: 60_000 });
    expect(hog.timedOut).toBe(false);
    expect(hog.exitCode === 137 || hog.signal === 'SIGKILL').toBe(true);
    expect((await sb.exec('echo alive')).output.trim()).toBe('alive');
  });
});
