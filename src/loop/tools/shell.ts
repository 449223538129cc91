/** Shell and app tools: run_command (kind `execute`) through the sandbox, restart_app, read_app_log. */
import { z } from 'zod';
import { defineTool, ResponseBuilder, toolError, toolResult } from '../../core/tool.ts';
import { checkCommand } from '../policy/commands.ts';
import type { LoopToolContext } from './context.ts';

export const runCommand = defineTool({
  name: 'run_command',
  description:
    "Run a shell command in the repository root inside the sandbox (no network beyond the app, no credentials). Use it for tests, type checks and linters. Do not commit or push: Loopwright does that. `timeout_ms` defaults to the ticket's tool timeout.",
  kind: 'execute',
  input: z.object({ command: z.string().min(1), timeout_ms: z.number().int().positive().optional() }),
  async run(ctx: LoopToolContext, input) {
    const verdict = checkCommand(input.command, {
      allowedHosts: ctx.allowedHosts,
      deniedPaths: ctx.deniedPaths,
    });
    if (!verdict.allowed)
      return toolError(
        `Command denied by policy (${verdict.rule}): ${verdict.reason}. Nobody can approve it; do the task another way.`,
      );
    const timeoutMs = Math.min(input.timeout_ms ?? ctx.toolTimeoutMs, ctx.toolTimeoutMs);
    const result = await ctx.sandbox.exec(input.command, { timeoutMs, signal: ctx.signal });
    const b = new ResponseBuilder();
    const status = result.timedOut
      ? `timed out after ${timeoutMs} ms`
      : result.signal
        ? `killed by ${result.signal}`
        : `exit code ${result.exitCode}`;
    const body = `$ ${input.command}\n(${status}, ${Math.round(result.durationMs)} ms)\n${result.output || '(no output)'}`;
    if (result.exitCode === 0) b.addResult(body);
    else b.addError(body);
    if (result.truncated && result.fullOutputPath)
      b.file(result.fullOutputPath, 'full output (read_file with this path)');
    return b.build();
  },
});

export const restartApp = defineTool({
  name: 'restart_app',
  description:
    'Restart the app from the worktree (after changing config or server code that hot reload does not pick up).',
  kind: 'execute',
  input: z.object({}),
  async run(ctx: LoopToolContext) {
    try {
      await ctx.sandbox.app.restart();
    } catch (error) {
      const log = await ctx.sandbox.app.tail(40).catch(() => '');
      return toolError(`The app did not come back up: ${(error as Error).message}\nLast log lines:\n${log}`);
    }
    return toolResult(`App restarted at ${ctx.sandbox.app.url}.`);
  },
});

export const readAppLog = defineTool({
  name: 'read_app_log',
  description: "Read the last lines of the app's output (server errors, build errors).",
  kind: 'read',
  input: z.object({ lines: z.number().int().min(1).max(500).optional() }),
  async run(ctx: LoopToolContext, input) {
    return toolResult((await ctx.sandbox.app.tail(input.lines ?? 80)) || '(the log is empty)');
  },
});

export const shellTools = [runCommand, restartApp, readAppLog];
