/**
 * One agent's turn loop, shared by the coder and the reviewer: call the model, record usage, run
 * the tool calls it asked for, feed the results back, until `isDone()`. Context management,
 * budgets and the transcript apply to both agents alike.
 */
import path from 'node:path';
import { CodedError, ErrorCode } from '../core/errors.ts';
import type { AgentRole, TicketEvent } from '../core/events.ts';
import { redact } from '../core/redact.ts';
import { toolError } from '../core/tool.ts';
import type { BudgetTracker } from './budget.ts';
import { compactHistory, estimateTokens, supersedeSnapshots, truncateToolOutput } from './context.ts';
import type { EventQueue } from './events.ts';
import type { ChatMessage, ChatModel, ToolCall } from './llm/types.ts';
import { dispatchToolCall, type DispatchResult, type ToolRegistry } from './tools/adapter.ts';
import type { Transcript } from './transcript.ts';

export interface AgentSession {
  agent: AgentRole;
  model: ChatModel;
  registry: ToolRegistry;
  messages: ChatMessage[];
  /** Tool call ids whose result holds a snapshot; all but the newest get superseded. */
  snapshotCalls: Set<string>;
  budget: BudgetTracker;
  transcript: Transcript;
  queue: EventQueue;
  signal: AbortSignal;
  toolTimeoutMs: number;
  outputsDir: string;
  /** Keep only the newest snapshot in context (on by default; off only to measure the saving). */
  supersedeSnapshots?: boolean;
  /** Tool output longer than this is cut, with the full text saved (default 16 000 characters). */
  maxToolChars?: number;
  /** Messages the agent receives before each turn (clarifications arriving mid-run). */
  incoming?: () => string[];
  /** Called after each tool call; may throw to end the run (proof attempts spent). */
  afterTool?: (name: string, result: DispatchResult) => void;
}

const MAX_IDLE_TURNS = 3;
/** Sessions whose opening messages (system prompt, request) are already in the transcript. */
const opened = new WeakSet<AgentSession>();

/** Runs turns until `isDone()`; yields events; throws CodedError on budgets, cancellation, or a stuck model. */
export async function* runAgent(s: AgentSession, isDone: () => boolean): AsyncGenerator<TicketEvent, void> {
  let idle = 0;
  if (!opened.has(s)) {
    opened.add(s);
    for (const m of s.messages)
      if (m.role === 'system' || m.role === 'user')
        s.transcript.write({ kind: 'message', agent: s.agent, role: m.role, content: m.content });
  }
  while (!isDone()) {
    if (s.signal.aborted) throw asAbort(s.signal);
    s.budget.check();
    for (const text of s.incoming?.() ?? []) push(s, { role: 'user', content: text });
    if (s.supersedeSnapshots !== false) supersedeSnapshots(s.messages, s.snapshotCalls);
    if (estimateTokens(s.messages) > s.budget.budgets.compactAtTokens) {
      const removed = compactHistory(s.messages);
      if (removed)
        s.queue.push({
          type: 'log',
          level: 'info',
          text: `${s.agent}: compacted ${removed} older messages into a summary`,
        });
    }
    const response = yield* s.queue.drain(
      s.model.complete({ messages: s.messages, tools: s.registry.specs(), signal: s.signal }),
    );
    s.budget.record(response.usage, response.durationMs);
    s.queue.push({
      type: 'usage',
      agent: s.agent,
      model: response.model,
      usage: response.usage,
      modelMs: Math.round(response.durationMs),
    });
    s.transcript.write({
      kind: 'usage',
      agent: s.agent,
      model: response.model,
      usage: response.usage,
      modelMs: Math.round(response.durationMs),
    });
    push(s, { role: 'assistant', content: response.content, toolCalls: response.toolCalls });
    if (response.content.trim())
      s.queue.push({ type: 'message', agent: s.agent, text: redact(response.content) });
    yield* s.queue.drain(Promise.resolve());

    if (!response.toolCalls.length) {
      if (++idle > MAX_IDLE_TURNS) {
        throw new CodedError(
          ErrorCode.ModelOutputInvalid,
          `the ${s.agent} model answered ${idle} times without calling a tool`,
          {
            hint: 'use a model that supports tool calling',
          },
        );
      }
      push(s, {
        role: 'user',
        content:
          s.agent === 'coder'
            ? 'Continue with the tools. When your change is proven with submit_verification, call finish.'
            : 'Continue, and end with submit_review.',
      });
      continue;
    }
    idle = 0;
    const results = yield* s.queue.drain(runCalls(s, response.toolCalls, isDone));
    for (const { call, result, refused } of results) if (!refused) s.afterTool?.(call.name, result);
  }
}

interface CallOutcome {
  call: ToolCall;
  result: DispatchResult;
  /** True when the call did not run because an earlier call of the response ended the run. */
  refused?: boolean;
}

/**
 * Runs one response's tool calls: a batch of read-only calls concurrently (reads cannot end the
 * run), anything else in order. Once a call ends the run (`isDone()`), the calls after it do not
 * run: each gets a refusal as its result, so every call id is still answered.
 */
async function runCalls(s: AgentSession, calls: ToolCall[], isDone: () => boolean): Promise<CallOutcome[]> {
  const allRead = calls.every((c) => s.registry.get(c.name)?.tool.kind === 'read');
  let endedBy: string | undefined;
  const runOne = async (call: ToolCall): Promise<CallOutcome> => {
    s.queue.push({
      type: 'tool_call',
      agent: s.agent,
      callId: call.id,
      name: call.name,
      args: safeArgs(call.arguments),
    });
    if (endedBy) return { call, result: refusal(s, call, endedBy), refused: true };
    const result = await dispatchToolCall(s.registry, call, s.toolTimeoutMs, s.signal);
    if (isDone()) endedBy = call.name;
    return { call, result };
  };
  const results = allRead ? await Promise.all(calls.map(runOne)) : [];
  if (!allRead) for (const call of calls) results.push(await runOne(call));
  for (const { call, result } of results) {
    const text = truncateToolOutput(result.response.text, {
      maxChars: s.maxToolChars ?? 16_000,
      dir: s.outputsDir,
      name: call.id,
    });
    push(s, { role: 'tool', toolCallId: call.id, content: text });
    if (result.response.hasSnapshot) s.snapshotCalls.add(call.id);
    s.transcript.write({
      kind: 'tool',
      agent: s.agent,
      callId: call.id,
      name: call.name,
      args: result.args,
      ok: result.response.ok,
      output: result.response.text,
      durationMs: Math.round(result.durationMs),
    });
    s.queue.push({
      type: 'tool_result',
      agent: s.agent,
      callId: call.id,
      name: call.name,
      ok: result.response.ok,
      summary: summarize(result.response.text),
      durationMs: Math.round(result.durationMs),
    });
  }
  return results;
}

/** The result of a call that came after the call that ended the run, in the same response. */
function refusal(s: AgentSession, call: ToolCall, endedBy: string): DispatchResult {
  const next =
    s.agent === 'coder'
      ? 'Nothing after finish is applied: any change needs a new proof with submit_verification and a new finish.'
      : 'Your verdict stands as submitted.';
  return {
    response: toolError(
      `${call.name} refused: your run already ended with ${endedBy} earlier in this response, so this call did not run. ${next}`,
    ),
    args: safeArgs(call.arguments),
    durationMs: 0,
  };
}

function push(s: AgentSession, message: ChatMessage): void {
  s.messages.push(message);
  if (message.role === 'assistant')
    s.transcript.write({
      kind: 'message',
      agent: s.agent,
      role: 'assistant',
      content: message.content,
      toolCalls: message.toolCalls,
    });
  else if (message.role !== 'tool')
    s.transcript.write({ kind: 'message', agent: s.agent, role: message.role, content: message.content });
}

function safeArgs(raw: string): unknown {
  try {
    return JSON.parse(redact(raw));
  } catch {
    return redact(raw).slice(0, 500);
  }
}

/** The first meaningful line of a tool result, for timelines. */
function summarize(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() && !l.startsWith('### ') && !l.startsWith('```'));
  const line = lines[0] ?? '';
  return line.length > 200 ? line.slice(0, 200) + '…' : line;
}

export function asAbort(signal: AbortSignal): CodedError {
  const reason: unknown = signal.reason;
  if (reason instanceof CodedError) return reason;
  return new CodedError(ErrorCode.Cancelled, 'the ticket was cancelled', { cause: reason });
}

export const outputsDirOf = (scratchDir: string): string => path.join(scratchDir, 'outputs');
