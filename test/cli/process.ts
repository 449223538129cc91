/**
 * Waiting on the `loopwright` processes the CLI tests start: for a line they print, for their exit,
 * or for an answer over HTTP or from the database — each with a deadline, and a failure that says
 * what was awaited and what was seen instead.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const NODE = path.join(ROOT, 'node_modules/.bin/node');
export const MAIN = path.join(ROOT, 'src/cli/main.ts');

export function tempDir(prefix: string): { home: string; cleanup(): void } {
  const home = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { home, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const tail = (text: string, chars = 4000) =>
  (text.length > chars ? `…${text.slice(-chars)}` : text) || '(nothing)';

export interface Launched {
  child: ChildProcess;
  /** stdout and stderr interleaved, as far as read. */
  output(): string;
  stdout(): string;
  stderr(): string;
  /** Resolves once the process has exited and its pipes are closed. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `loopwright <args>` and keeps its output. */
export function launch(args: string[], opts: SpawnOptions, track?: ChildProcess[]): Launched {
  const child = spawn(NODE, [MAIN, ...args], { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
  track?.push(child);
  let all = '';
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => ((out += d.toString()), (all += d.toString())));
  child.stderr!.on('data', (d: Buffer) => ((err += d.toString()), (all += d.toString())));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => all, stdout: () => out, stderr: () => err, closed };
}

/** Resolves when the process prints a line matching `pattern`; rejects when it exits first or the deadline passes. */
export function waitForLine(p: Launched, pattern: RegExp, what: string, deadlineMs: number): Promise<string> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = pattern.exec(p.output());
      if (!m) return;
      done();
      resolve(m[0]);
    };
    const timer = setTimeout(() => {
      done();
      reject(
        new Error(
          `no ${what} within ${seconds(deadlineMs)} (${pattern}); output so far:\n${tail(p.output())}`,
        ),
      );
    }, deadlineMs);
    const onClose = (code: number | null, signal: string | null) => {
      done();
      reject(
        new Error(
          `exited (${signal ?? `code ${code}`}) after ${seconds(Date.now() - started)} before printing ${what} (${pattern}); output:\n${tail(p.output())}`,
        ),
      );
    };
    const done = () => {
      clearTimeout(timer);
      p.child.stdout!.off('data', check);
      p.child.stderr!.off('data', check);
      p.child.off('close', onClose);
    };
    p.child.stdout!.on('data', check);
    p.child.stderr!.on('data', check);
    p.child.on('close', onClose);
    check();
  });
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Waits for the process to exit; past the deadline it is killed and the wait fails with its output. */
export async function finished(p: Launched, what: string, deadlineMs: number): Promise<Finished> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), deadlineMs)));
  const end = await Promise.race([p.closed, late]);
  clearTimeout(timer);
  if (end === 'late') {
    p.child.kill('SIGKILL');
    throw new Error(
      `${what} did not exit within ${seconds(deadlineMs)}; output so far:\n${tail(p.output())}`,
    );
  }
  return { code: end.code, stdout: p.stdout(), stderr: p.stderr(), ms: Date.now() - started };
}

/**
 * Polls `probe` until it returns a value that `ok` accepts; past the deadline fails with the last
 * value seen (or the last error). For HTTP answers and database rows, which send no event.
 */
export async function waitUntil<T>(
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
  what: string,
  deadlineMs: number,
  opts: { intervalMs?: number; describe?: (value: T) => string } = {},
): Promise<T> {
  const until = Date.now() + deadlineMs;
  let last: { value: T } | { error: unknown } | undefined;
  for (;;) {
    try {
      const value = await probe();
      if (ok(value)) return value;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (Date.now() >= until) break;
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
  }
  const seen = !last
    ? 'nothing'
    : 'error' in last
      ? `error: ${(last.error as Error).message}`
      : (opts.describe?.(last.value) ?? JSON.stringify(last.value)).slice(0, 4000);
  throw new Error(`${what} not seen within ${seconds(deadlineMs)}; last seen: ${seen}`);
}
