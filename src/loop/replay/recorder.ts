/**
 * The recorder: a ChatModel wrapper around a real model that appends every assistant turn to a
 * trajectory JSONL file (the format of trajectory.ts), so a real run can be replayed later as a
 * regression test. Snapshot refs in browser tool arguments are written as `$ref` templates when
 * the ref sits on a uniquely named snapshot line, so the replay survives ref renumbering.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { AgentRole } from '../../core/events.ts';
import { redact } from '../../core/redact.ts';
import type { ChatMessage, ChatModel, ChatRequest, ChatResponse } from '../llm/types.ts';
import { reviewerFromPrompt } from './server.ts';
import { selectorForRef, serializeTurn, type ScriptedCall, type ScriptedTurn } from './trajectory.ts';

export interface RecorderOptions {
  agent: AgentRole;
  /** The JSONL file to append to (shared by the coder's and the reviewer's recorders). */
  file: string;
  /** Also write `expect.tools` (the tools offered), so the replay checks them (default true). */
  expectTools?: boolean;
}

export class RecordingChatModel implements ChatModel {
  readonly name: string;
  private readonly inner: ChatModel;
  private readonly opts: RecorderOptions;

  constructor(inner: ChatModel, opts: RecorderOptions) {
    this.inner = inner;
    this.name = inner.name;
    this.opts = opts;
    mkdirSync(path.dirname(opts.file), { recursive: true });
  }

  async complete(request: ChatRequest): Promise<ChatResponse> {
    const response = await this.inner.complete(request);
    appendFileSync(this.opts.file, redact(serializeTurn(toTurn(this.opts, request, response))) + '\n');
    return response;
  }
}

export function toTurn(opts: RecorderOptions, request: ChatRequest, response: ChatResponse): ScriptedTurn {
  const last = lastToolResults(request.messages);
  const calls: ScriptedCall[] = response.toolCalls.map((call) => {
    let args: unknown;
    try {
      args = JSON.parse(call.arguments);
    } catch {
      return { tool: call.name, raw_args: call.arguments };
    }
    return { tool: call.name, args: templatize(args, last) };
  });
  const system = request.messages.find((m) => m.role === 'system')?.content ?? '';
  const reviewer = opts.agent === 'reviewer' ? reviewerFromPrompt(system) : 'general';
  return {
    agent: opts.agent,
    // Reviewers run side by side: each owner's turns are kept apart by name.
    ...(reviewer !== 'general' ? { reviewer } : {}),
    ...(response.content ? { content: response.content } : {}),
    tool_calls: calls,
    ...(opts.expectTools !== false ? { expect: { tools: request.tools.map((t) => t.function.name) } } : {}),
  };
}

/** Replaces `ref: "eN"` values with `{"$ref": "role \"name\""}` when the last result names them uniquely. */
function templatize(args: unknown, lastResult: string): unknown {
  if (!args || typeof args !== 'object' || Array.isArray(args)) return args;
  const out: Record<string, unknown> = { ...(args as Record<string, unknown>) };
  if (typeof out.ref === 'string') {
    const selector = selectorForRef(lastResult, out.ref);
    if (selector) out.ref = { $ref: selector };
  }
  return out;
}

function lastToolResults(messages: ChatMessage[]): string {
  let i = messages.length;
  while (i > 0 && messages[i - 1]!.role !== 'assistant') i--;
  return messages
    .slice(i)
    .map((m) => m.content)
    .join('\n');
}
