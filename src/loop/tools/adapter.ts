/**
 * The one adapter between tool definitions and the OpenAI wire format (STYLE.md 1, 3): tools become
 * `tools` entries through zod's JSON Schema, and a model's call is parsed, validated and run, with
 * every mistake the model can fix (bad JSON, unknown tool, invalid arguments, a timeout) returned
 * as a tool result that says how to fix it.
 */
import { z } from 'zod';
import { CodedError, ErrorCode } from '../../core/errors.ts';
import { toolError, type AnyTool, type ToolResponse } from '../../core/tool.ts';
import type { ToolCall, ToolSpec } from '../llm/types.ts';

export function toOpenAITools(tools: readonly AnyTool<never>[]): ToolSpec[] {
  return tools.map((tool) => {
    const { $schema: _drop, ...parameters } = z.toJSONSchema(tool.input, { io: 'input' }) as Record<
      string,
      unknown
    >;
    return { type: 'function', function: { name: tool.name, description: tool.description, parameters } };
  });
}

/** A registered tool with the context it runs in (browser tools get a browser context, lazily). */
export interface RegisteredTool {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  tool: AnyTool<any>;
  context(): unknown;
}

export class ToolRegistry {
  private readonly byName = new Map<string, RegisteredTool>();
  /** The wire specs, built once: the registry does not change after set-up, and every turn sends them. */
  private specsCache?: ToolSpec[];

  add<C>(tools: readonly AnyTool<C>[], context: () => C | Promise<C>): this {
    for (const tool of tools) this.byName.set(tool.name, { tool, context });
    this.specsCache = undefined;
    return this;
  }
  get(name: string): RegisteredTool | undefined {
    return this.byName.get(name);
  }
  names(): string[] {
    return [...this.byName.keys()];
  }
  specs(): ToolSpec[] {
    return (this.specsCache ??= toOpenAITools([...this.byName.values()].map((r) => r.tool)));
  }
}

export interface DispatchResult {
  response: ToolResponse;
  /** Parsed arguments when they were valid JSON (for events and transcripts). */
  args: unknown;
  durationMs: number;
}

/** Parses, validates and runs one call. Throws only for a broken environment or cancellation. */
export async function dispatchToolCall(
  registry: ToolRegistry,
  call: ToolCall,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<DispatchResult> {
  const started = performance.now();
  const done = (response: ToolResponse, args: unknown): DispatchResult => ({
    response,
    args,
    durationMs: performance.now() - started,
  });
  const entry = registry.get(call.name);
  if (!entry) {
    return done(
      toolError(
        `Unknown tool "${call.name}". Available tools: ${registry.names().join(', ')}. Call one of those.`,
      ),
      undefined,
    );
  }
  let raw: unknown;
  try {
    raw = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
  } catch (error) {
    return done(
      toolError(
        `The arguments of ${call.name} are not valid JSON (${(error as Error).message}). Send a single JSON object that matches the tool's parameters, with strings quoted and escaped.`,
      ),
      call.arguments,
    );
  }
  const parsed = entry.tool.input.safeParse(raw);
  if (!parsed.success) {
    return done(
      toolError(
        `Invalid arguments for ${call.name}:\n${z.prettifyError(parsed.error)}\nFix the arguments and call ${call.name} again.`,
      ),
      raw,
    );
  }
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  // Cancellation and the wall-time budget end a running tool too; its process is the sandbox's to reap.
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () =>
      reject(
        signal?.reason instanceof CodedError
          ? signal.reason
          : new CodedError(ErrorCode.Cancelled, 'cancelled'),
      );
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  const timeout = new Promise<ToolResponse>((resolve) => {
    timer = setTimeout(
      () =>
        resolve(
          toolError(
            `${call.name} did not finish within ${timeoutMs} ms and was abandoned. Try a smaller step (a narrower search, a shorter command).`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    const ctx = await entry.context();
    const response = await Promise.race([entry.tool.run(ctx, parsed.data), timeout, aborted]);
    return done(response, parsed.data);
  } catch (error) {
    if (error instanceof CodedError) throw error;
    throw new CodedError(ErrorCode.Internal, `tool ${call.name} failed: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}
