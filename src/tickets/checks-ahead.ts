/**
 * The target's `checks` (`.loopwright.yml`) on a candidate tree, in a clean room of their own: a
 * fresh checkout of exactly that tree from the trusted git dir, outside everything the agent's
 * sandbox mounts, in its own network namespace. Nothing the agent runs can reach the room, so the
 * checks need not wait for the agent to stop: they start when a tree is submitted for proof and
 * run beside it. Publishing takes the result only for the very tree it publishes (the candidate
 * stamps it with that tree); for any other tree, or when the early run did not finish, the checks
 * run again there.
 */
import type { CheckResult } from '../core/candidate.ts';
import { CodedError, ErrorCode } from '../core/errors.ts';
import { redact } from '../core/redact.ts';
import type { Sandbox } from '../sandbox/types.ts';

/** A finished run of the checks: each command's result and the line the timeline gets for it. */
export interface ChecksRun {
  tree: string;
  results: CheckResult[];
  lines: { level: 'info' | 'warn'; text: string }[];
}

/** Runs the checks on `tree` in a room of its own; the first failing check ends the run. */
export async function runChecks(
  sandbox: Sandbox,
  tree: string,
  opts: { signal: AbortSignal; timeoutMs: number },
): Promise<ChecksRun> {
  const run: ChecksRun = { tree, results: [], lines: [] };
  const commands = sandbox.settings.checks;
  if (commands.length === 0) return run;
  const room = await sandbox.openRoom(tree, 'checks');
  try {
    // The room's own checkout: a tree id that differs from the one asked for is not this tree.
    if (room.tree !== tree)
      throw new CodedError(ErrorCode.Internal, `the checks room holds ${room.tree}, not ${tree}`);
    for (const command of commands) {
      opts.signal.throwIfAborted();
      const r = await room.exec(command, { timeoutMs: opts.timeoutMs, signal: opts.signal });
      const ok = r.exitCode === 0 && !r.timedOut;
      run.results.push({ command, ok, durationMs: Math.round(r.durationMs) });
      const tail = ok ? '' : `; its output ends with: ${redact(r.output.slice(-400))}`;
      run.lines.push({
        level: ok ? 'info' : 'warn',
        text: `check \`${command}\`: ${ok ? 'passed' : 'failed'}${tail}`,
      });
      if (!ok) break;
    }
  } finally {
    await room.close().catch(() => undefined);
  }
  opts.signal.throwIfAborted();
  return run;
}

/** The checks of the newest tree submitted for proof, started at once, beside the proof. */
export class ChecksAhead {
  private readonly sandbox: Sandbox;
  private readonly timeoutMs: number;
  private current?: { tree: string; run: Promise<ChecksRun>; abort: AbortController };

  constructor(sandbox: Sandbox, opts: { timeoutMs: number }) {
    this.sandbox = sandbox;
    this.timeoutMs = opts.timeoutMs;
  }

  /** Starts the checks on `tree` (a newer tree stops the older one's run: it can no longer be published). */
  start(tree: string): void {
    if (this.current?.tree === tree) return;
    this.close();
    const abort = new AbortController();
    const run = runChecks(this.sandbox, tree, { signal: abort.signal, timeoutMs: this.timeoutMs });
    run.catch(() => undefined);
    this.current = { tree, run, abort };
  }

  /** The finished run on exactly `tree`, or undefined when none was started or it did not finish. */
  async resultFor(tree: string): Promise<ChecksRun | undefined> {
    if (this.current?.tree !== tree) return undefined;
    const run = await this.current.run.catch(() => undefined);
    return run?.tree === tree ? run : undefined;
  }

  close(): void {
    this.current?.abort.abort();
    this.current = undefined;
  }
}
