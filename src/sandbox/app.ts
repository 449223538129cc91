/**
 * The app of a sandbox: `.loopwright.yml`'s `start` on its own port, polled on `ready`, its output
 * in a log the agent can read (inside the sandbox at /tmp/<name>.log), restartable, and killed as a
 * whole (its PID namespace) when stopped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { CodedError, ErrorCode } from '../core/errors.ts';
import type { AppHandle } from './types.ts';
import { killGroup, type SandboxRunner } from './runner.ts';

export interface AppOptions {
  runner: SandboxRunner;
  cwd: string;
  command: string;
  port: number;
  readyPath: string;
  readyTimeoutMs: number;
  logPath: string;
}

/** Polls a URL from inside a network namespace (or from here) until it answers below 400. */
const PROBE = `
const [url, timeoutMs] = process.argv.slice(1);
const end = Date.now() + Number(timeoutMs);
(async () => {
  while (Date.now() < end) {
    try {
      const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(2000) });
      if (res.status < 400) process.exit(0);
    } catch {}
    await new Promise((r) => setTimeout(r, 25));
  }
  process.exit(3);
})();
`;

export class SandboxApp implements AppHandle {
  readonly url: string;
  readonly port: number;
  readonly logPath: string;
  private readonly opts: AppOptions;
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private started?: number;

  constructor(opts: AppOptions) {
    this.opts = opts;
    this.port = opts.port;
    this.url = `http://127.0.0.1:${opts.port}`;
    this.logPath = opts.logPath;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** When the running process was spawned: it loaded the code as it was then. */
  get startedAt(): number | undefined {
    return this.child ? this.started : undefined;
  }

  async start(): Promise<void> {
    const { runner, command } = this.opts;
    const fd = openSync(this.logPath, 'a');
    writeSync(fd, `\n--- loopwright: starting \`${command}\` on port ${this.port} at ${new Date().toISOString()} ---\n`);
    const direct = directStart(command, this.opts.cwd);
    const cmd = runner.shell(direct?.command ?? command, {
      cwd: this.opts.cwd,
      env: { ...direct?.env, PORT: String(this.port), HOST: '127.0.0.1', BROWSER: 'none' },
    });
    const child = spawn(cmd.file, cmd.args, { cwd: cmd.cwd, env: cmd.env, detached: true, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    this.child = child;
    this.started = Date.now();
    let exitInfo = '';
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        exitInfo = `exited with ${signal ?? code}`;
        resolve();
      });
      child.on('error', (error) => {
        exitInfo = `could not start: ${error.message}`;
        resolve();
      });
    });
    const ready = this.probe();
    const outcome = await Promise.race([ready.then((ok) => (ok ? 'ready' : 'timeout')), this.exited.then(() => 'exited')]);
    if (outcome === 'ready') return;
    await this.stop();
    const hint =
      outcome === 'timeout'
        ? `it did not answer on ${this.opts.readyPath} within ${this.opts.readyTimeoutMs} ms`
        : `it ${exitInfo} before answering on ${this.opts.readyPath}`;
    throw new CodedError(ErrorCode.AppStartFailed, `The app (\`${command}\`) did not come up: ${hint}.\n${await this.tail(30)}`, {
      hint: 'check `start`/`ready` in .loopwright.yml and that the app listens on $PORT at 127.0.0.1',
    });
  }

  private probe(): Promise<boolean> {
    const url = `${this.url}${this.opts.readyPath.startsWith('/') ? '' : '/'}${this.opts.readyPath}`;
    const netns = this.opts.runner.netns;
    const file = netns ? '/usr/bin/nsenter' : process.execPath;
    const args = [...(netns ? [`--net=${netns}`, process.execPath] : []), '-e', PROBE, url, String(this.opts.readyTimeoutMs)];
    return new Promise((resolve) => {
      const probe = spawn(file, args, { stdio: 'ignore', env: { PATH: '/usr/bin:/bin' } });
      const stop = () => probe.kill('SIGKILL');
      void this.exited?.then(stop);
      probe.on('exit', (code) => resolve(code === 0));
      probe.on('error', () => resolve(false));
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    killGroup(child.pid);
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, 5000))]);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async tail(lines = 50): Promise<string> {
    try {
      return readFileSync(this.logPath, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }
}

/**
 * `npm run <script>` / `npm start` costs a Node start of npm itself (~300 ms here) before the app
 * starts. When the script has no pre/post hooks and no extra arguments, run its command line the
 * way npm would (node_modules/.bin first on PATH, npm's lifecycle variables set) without npm.
 */
export function directStart(command: string, cwd: string): { command: string; env: Record<string, string> } | undefined {
  const m = command.trim().match(/^npm\s+(?:start|(?:run|run-script)\s+([\w:.-]+))$/);
  if (!m) return undefined;
  const name = m[1] ?? 'start';
  let pkg: { name?: string; version?: string; scripts?: Record<string, string> };
  try {
    pkg = JSON.parse(readFileSync(path.join(cwd, 'package.json'), 'utf8')) as typeof pkg;
  } catch {
    return undefined;
  }
  const script = pkg.scripts?.[name];
  if (!script || pkg.scripts?.[`pre${name}`] || pkg.scripts?.[`post${name}`]) return undefined;
  return {
    command: script,
    env: {
      PATH: `${path.join(cwd, 'node_modules', '.bin')}:/usr/local/bin:/usr/bin:/bin`,
      npm_lifecycle_event: name,
      npm_lifecycle_script: script,
      npm_package_name: pkg.name ?? '',
      npm_package_version: pkg.version ?? '',
      npm_package_json: path.join(cwd, 'package.json'),
      INIT_CWD: cwd,
    },
  };
}
