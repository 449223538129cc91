/**
 * The replay server: an OpenAI-compatible HTTP server on 127.0.0.1 that plays a scripted trajectory
 * (see trajectory.ts) to the real `openai` client, streaming (SSE) or not, and checks every request.
 *
 * Routing: the coder and the reviewer share one server. The agent is taken from the model name
 * (`replay-coder`, `replay-reviewer`) or, for any other model name, from the marker
 * `[loopwright:agent=coder]` / `[loopwright:agent=reviewer]` that the system prompts carry. Each
 * reviewer (the general one and one per owner) has its own conversation and its own script, named
 * by the marker `[loopwright:reviewer=<name>]` in its system prompt (`general` when absent).
 *
 * A request that does not fit the script (unanswered tool call, tool not offered, expectation not
 * met, template unresolved, script exhausted) gets HTTP 400 with a message saying what differs, and
 * is recorded in `mismatches`. Usage is an estimate (characters / 4) so budgets and token figures
 * behave as with a real model; `cached_tokens` is the estimated common prefix with the agent's
 * previous request, as a prefix cache would see it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentRole } from '../../core/events.ts';
import { readBody, sendError, sendJson, sendStream } from './wire.ts';
import {
  loadTrajectory,
  resolveTemplates,
  scriptKey,
  TemplateError,
  type ScriptedTurn,
} from './trajectory.ts';

export interface ReplayMismatch {
  agent: AgentRole | 'unknown';
  /** The reviewer whose script was checked (reviewer requests only). */
  reviewer?: string;
  /** Index of the turn (within the agent's turns) the request was checked against. */
  turn: number;
  message: string;
}

export interface ServedTurn {
  agent: AgentRole;
  /** The reviewer whose conversation this was (reviewer turns only). */
  reviewer?: string;
  turn: number;
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
  stream: boolean;
}

export interface ReplayServer {
  /** Base URL for OPENAI_BASE_URL, ending in `/v1`. */
  readonly url: string;
  readonly port: number;
  readonly mismatches: ReplayMismatch[];
  readonly served: ServedTurn[];
  /** Scripted failures answered (`fail` in a turn). */
  readonly failures: { agent: AgentRole; turn: number; status: number }[];
  /** Turns not yet served, per agent. */
  remaining(): Record<AgentRole, number>;
  close(): Promise<void>;
}

export interface ReplayServerOptions {
  /** Parsed turns or the path of a JSONL file. */
  trajectory: ScriptedTurn[] | string;
  port?: number;
}

/** Model names that route to one agent's script. */
export const REPLAY_MODELS: Record<AgentRole, string> = {
  coder: 'replay-coder',
  reviewer: 'replay-reviewer',
};
export const agentMarker = (agent: AgentRole): string => `[loopwright:agent=${agent}]`;
/** Names the reviewer a reviewer conversation belongs to, for routing and recording. */
export const reviewerMarker = (name: string): string => `[loopwright:reviewer=${name}]`;
const REVIEWER_MARKER = /\[loopwright:reviewer=([^\]\n]+)\]/;

/** The reviewer named in a system prompt's marker; `general` when there is none. */
export function reviewerFromPrompt(system: string): string {
  return REVIEWER_MARKER.exec(system)?.[1] ?? 'general';
}

interface WireMessage {
  role: string;
  content?: unknown;
  tool_calls?: { id: string; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}
interface WireRequest {
  model?: string;
  messages?: WireMessage[];
  tools?: { function?: { name?: string } }[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

class Mismatch extends Error {}

export async function startReplayServer(opts: ReplayServerOptions): Promise<ReplayServer> {
  const turns = typeof opts.trajectory === 'string' ? loadTrajectory(opts.trajectory) : opts.trajectory;
  // One cursor per conversation: the coder's, and each reviewer's (see scriptKey).
  const script = new Map<string, ScriptedTurn[]>();
  for (const t of turns) script.set(scriptKey(t), [...(script.get(scriptKey(t)) ?? []), t]);
  const cursor = new Map<string, number>();
  const failuresServed = new Map<string, number>();
  const lastIds = new Map<string, string[]>();
  const lastPrompt = new Map<string, string>();
  const mismatches: ReplayMismatch[] = [];
  const served: ServedTurn[] = [];
  const failures: { agent: AgentRole; turn: number; status: number }[] = [];

  const handleChat = async (body: WireRequest, res: ServerResponse) => {
    const agent = routeAgent(body);
    if (!agent) {
      const message = `cannot tell the agent: use model ${REPLAY_MODELS.coder} or ${REPLAY_MODELS.reviewer}, or put ${agentMarker('coder')} in the system prompt`;
      mismatches.push({ agent: 'unknown', turn: -1, message });
      return sendError(res, 400, message, 'replay_mismatch');
    }
    const reviewer = agent === 'reviewer' ? reviewerFromPrompt(systemText(body)) : undefined;
    const key = scriptKey({ agent, reviewer });
    const index = cursor.get(key) ?? 0;
    const own = script.get(key) ?? [];
    const turn = own[index];
    const who = reviewer ? `reviewer ${reviewer}` : agent;
    try {
      if (!turn)
        throw new Mismatch(
          `the ${who} script has ${own.length} turns and all were served; the agent asked for another`,
        );
      const failed = failuresServed.get(key) ?? 0;
      if (turn.fail && failed < turn.fail.times) {
        failuresServed.set(key, failed + 1);
        failures.push({ agent, turn: index, status: turn.fail.status });
        return sendError(
          res,
          turn.fail.status,
          turn.fail.message ?? `scripted failure ${failed + 1}/${turn.fail.times}`,
          'scripted_failure',
        );
      }
      const messages = body.messages ?? [];
      checkRequest(turn, messages, body, lastIds.get(key) ?? []);
      // Taken before the wait, so concurrent reviewers' turns keep their own order.
      cursor.set(key, index + 1);
      if (turn.latencyMs) await new Promise((resolve) => setTimeout(resolve, turn.latencyMs));
      const lastResult = latestToolResults(messages);
      const calls = turn.tool_calls.map((call, i) => ({
        id: `call_${reviewer ? `reviewer_${reviewer.replace(/\W/g, '_')}` : agent}_${index}_${i}`,
        type: 'function' as const,
        function: {
          name: call.tool,
          arguments: call.raw_args ?? JSON.stringify(resolveTemplates(call.args ?? {}, lastResult)),
        },
      }));
      const prompt = JSON.stringify(messages) + JSON.stringify(body.tools ?? []);
      const promptTokens = Math.ceil(prompt.length / 4);
      const cachedTokens = Math.floor(commonPrefix(prompt, lastPrompt.get(key) ?? '') / 4);
      const completionTokens = Math.ceil(((turn.content ?? '').length + JSON.stringify(calls).length) / 4);
      failuresServed.set(key, 0);
      lastIds.set(
        key,
        calls.map((c) => c.id),
      );
      lastPrompt.set(key, prompt);
      const stream = body.stream === true;
      served.push({
        agent,
        ...(reviewer ? { reviewer } : {}),
        turn: index,
        promptTokens,
        cachedTokens,
        completionTokens,
        stream,
      });
      const usage = {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
        prompt_tokens_details: { cached_tokens: cachedTokens },
      };
      const model = body.model ?? REPLAY_MODELS[agent];
      const id = `chatcmpl-replay-${agent}-${index}`;
      const finish = calls.length ? 'tool_calls' : 'stop';
      if (stream)
        return sendStream(res, {
          id,
          model,
          content: turn.content ?? '',
          calls,
          finish,
          usage: body.stream_options?.include_usage ? usage : undefined,
        });
      const message = {
        role: 'assistant',
        content: turn.content ?? null,
        ...(calls.length ? { tool_calls: calls } : {}),
      };
      return sendJson(res, 200, {
        id,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model,
        choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
        usage,
      });
    } catch (error) {
      if (!(error instanceof Mismatch) && !(error instanceof TemplateError)) throw error;
      const message = `replay mismatch at ${who} turn ${index}${turn?.note ? ` (${turn.note})` : ''}: ${error.message}`;
      mismatches.push({ agent, ...(reviewer ? { reviewer } : {}), turn: index, message });
      return sendError(res, 400, message, 'replay_mismatch');
    }
  };

  const server = createServer((req, res) => {
    void route(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        sendError(res, 500, `replay server error: ${(error as Error).message}`, 'server_error');
    });
  });
  const route = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname.replace(/^\/v1/, '');
    if (req.method === 'GET' && path === '/models') {
      return sendJson(res, 200, {
        object: 'list',
        data: Object.values(REPLAY_MODELS).map((id) => ({
          id,
          object: 'model',
          created: 0,
          owned_by: 'loopwright-replay',
        })),
      });
    }
    if (req.method === 'POST' && path === '/chat/completions') {
      let body: WireRequest;
      try {
        body = JSON.parse(await readBody(req)) as WireRequest;
      } catch {
        return sendError(res, 400, 'request body is not JSON', 'invalid_json');
      }
      return handleChat(body, res);
    }
    return sendError(res, 404, `no route ${req.method} ${url.pathname}`, 'not_found');
  };

  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    mismatches,
    served,
    failures,
    remaining: () => {
      const left = { coder: 0, reviewer: 0 };
      for (const [key, own] of script)
        left[key === 'coder' ? 'coder' : 'reviewer'] += own.length - (cursor.get(key) ?? 0);
      return left;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function systemText(body: WireRequest): string {
  const system = body.messages?.find((m) => m.role === 'system');
  return typeof system?.content === 'string' ? system.content : JSON.stringify(system?.content ?? '');
}

function routeAgent(body: WireRequest): AgentRole | undefined {
  for (const agent of ['coder', 'reviewer'] as const) if (body.model === REPLAY_MODELS[agent]) return agent;
  const text = systemText(body);
  for (const agent of ['coder', 'reviewer'] as const) if (text.includes(agentMarker(agent))) return agent;
  return undefined;
}

function checkRequest(
  turn: ScriptedTurn,
  messages: WireMessage[],
  body: WireRequest,
  previousIds: string[],
): void {
  const offered = new Set((body.tools ?? []).map((t) => t.function?.name).filter((n): n is string => !!n));
  // Every tool call in the conversation is answered by a tool message.
  const answered = new Set(messages.filter((m) => m.role === 'tool').map((m) => m.tool_call_id));
  for (const m of messages) {
    for (const call of m.tool_calls ?? []) {
      if (!answered.has(call.id))
        throw new Mismatch(`tool call ${call.id} (${call.function.name}) has no tool result in the request`);
    }
  }
  // The calls served last time are in the conversation (and so answered above), unless this is a
  // fresh conversation (a new review round starts one).
  if (!messages.some((m) => m.role === 'assistant')) return checkTurn(turn, messages, offered);
  const present = new Set(messages.flatMap((m) => (m.tool_calls ?? []).map((c) => c.id)));
  const missing = previousIds.filter((id) => !present.has(id));
  if (missing.length)
    throw new Mismatch(
      `the previous turn's tool calls ${missing.join(', ')} are missing from the conversation`,
    );
  checkTurn(turn, messages, offered);
}

function checkTurn(turn: ScriptedTurn, messages: WireMessage[], offered: Set<string>): void {
  for (const call of turn.tool_calls) {
    if (!call.unoffered && !offered.has(call.tool))
      throw new Mismatch(`tool ${call.tool} is not offered (offered: ${[...offered].join(', ') || 'none'})`);
  }
  const expect = turn.expect;
  if (!expect) return;
  for (const name of expect.tools ?? [])
    if (!offered.has(name)) throw new Mismatch(`expected tool ${name} to be offered`);
  const last = latestToolResults(messages);
  for (const s of expect.lastResultIncludes ?? [])
    if (!last.includes(s))
      throw new Mismatch(
        `expected the last tool result to include ${JSON.stringify(s)}; it was: ${last.slice(0, 600)}`,
      );
  for (const s of expect.lastResultExcludes ?? [])
    if (last.includes(s))
      throw new Mismatch(`expected the last tool result not to include ${JSON.stringify(s)}`);
  const prompt = messages
    .filter((m) => m.role === 'system' || m.role === 'user')
    .map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)))
    .join('\n');
  for (const s of expect.promptIncludes ?? [])
    if (!prompt.includes(s)) throw new Mismatch(`expected the prompt to include ${JSON.stringify(s)}`);
  for (const s of expect.promptExcludes ?? [])
    if (prompt.includes(s)) throw new Mismatch(`expected the prompt not to include ${JSON.stringify(s)}`);
}

/** Tool messages after the last assistant message, joined; plus any user message after them. */
function latestToolResults(messages: WireMessage[]): string {
  let i = messages.length;
  while (i > 0 && messages[i - 1]!.role !== 'assistant') i--;
  return messages
    .slice(i)
    .map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? '')))
    .join('\n');
}

function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}
