/**
 * The agent's `run_command`: one shell command inside the sandbox with a timeout, its whole
 * process group killed when time runs out, and output capped — the head and the tail stay in the
 * result, the full text goes to a file the agent can read.
 */
import { StringDecoder } from 'node:string_decoder';
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { ExecResult } from './types.ts';
import { killGroup, type HostCommand } from './runner.ts';

export interface CappedRunOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Characters kept in `output`: half from the head, half from the tail. */
  maxChars: number;
  /** Where the full output is written when it exceeds the cap. */
  fullOutputPath: string;
  /** Keep the file even when the output fitted (install logs). */
  keepFullOutput?: boolean;
}

export function runCapped(cmd: HostCommand, opts: CappedRunOptions): Promise<ExecResult> {
  const started = Date.now();
  const headMax = Math.floor(opts.maxChars / 2);
  const tailMax = opts.maxChars - headMax;
  let head = '';
  let tail = '';
  let total = 0;
  let file: ReturnType<typeof createWriteStream> | undefined;

  return new Promise<ExecResult>((resolve) => {
    const child = spawn(cmd.file, cmd.args, {
      cwd: cmd.cwd,
      env: cmd.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let timedOut = false;
    const kill = () => killGroup(child.pid);
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, opts.timeoutMs);
    const onAbort = () => kill();
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    // Everything goes to the file as it comes (no loss between head and tail); the file is
    // deleted at the end when the output fitted under the cap.
    mkdirSync(path.dirname(opts.fullOutputPath), { recursive: true });
    file = createWriteStream(opts.fullOutputPath);
    // One decoder per stream: a multi-byte character split across two chunks stays whole.
    const decoders = { out: new StringDecoder('utf8'), err: new StringDecoder('utf8') };
    const onData = (text: string) => {
      file?.write(text);
      total += text.length;
      if (head.length < headMax) {
        const take = text.slice(0, headMax - head.length);
        head += take;
        const rest = text.slice(take.length);
        if (rest) tail = (tail + rest).slice(-tailMax);
      } else {
        tail = (tail + text).slice(-tailMax);
      }
    };
    child.stdout.on('data', (buf: Buffer) => onData(decoders.out.write(buf)));
    child.stderr.on('data', (buf: Buffer) => onData(decoders.err.write(buf)));

    let settled = false;
    const finish = (exitCode: number | null, signal: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      const truncated = total > opts.maxChars;
      const output = truncated
        ? `${head}\n\n[… ${total - head.length - tail.length} characters omitted; full output in ${opts.fullOutputPath} …]\n\n${tail}`
        : head + tail;
      const result: ExecResult = {
        exitCode,
        signal,
        timedOut,
        durationMs: Date.now() - started,
        output,
        truncated,
        ...(truncated ? { fullOutputPath: opts.fullOutputPath } : {}),
      };
      const done = () => {
        if (!truncated && !opts.keepFullOutput) rmSync(opts.fullOutputPath, { force: true });
        resolve(result);
      };
      if (file) file.end(done);
      else done();
    };
    child.on('error', (error) => {
      head += `failed to start: ${error.message}`;
      finish(null, null);
    });
    // A background process left in the group would hold the pipes open; end it when the command exits.
    child.on('exit', () => killGroup(child.pid));
    child.on('close', (code, signal) => finish(code, signal));
  });
}
