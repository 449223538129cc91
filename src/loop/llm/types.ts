/**
 * The model port (STYLE.md 8). The loop talks to a `ChatModel`; the OpenAI adapter, the recording
 * wrapper and (through HTTP) the replay server sit behind it. Messages follow the Chat Completions
 * shape closely so any OpenAI-compatible endpoint maps one to one, without leaking SDK types.
 */
import type { Usage } from '../../core/ticket.ts';

/** One function call the model asked for. `arguments` is the raw JSON text, parsed by the loop. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls: ToolCall[] }
  | { role: 'tool'; toolCallId: string; content: string };

/** A tool offered to the model, in the OpenAI `tools` wire shape (built by `toOpenAITools`). */
export interface ToolSpec {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

export interface ChatRequest {
  messages: ChatMessage[];
  tools: ToolSpec[];
  signal?: AbortSignal;
}

export interface ChatResponse {
  content: string;
  toolCalls: ToolCall[];
  /** `stop`, `tool_calls`, `length`, … as the endpoint reported it. */
  finishReason: string;
  /** Tokens and, when the model has a price in config.prices, cost in USD. */
  usage: Usage;
  /** The model name the endpoint answered with. */
  model: string;
  /** Wall time of the call including retries. */
  durationMs: number;
}

/** A chat model with tools. Implementations retry transient failures and throw CodedError otherwise. */
export interface ChatModel {
  /** The configured model name (for usage events and cost). */
  readonly name: string;
  complete(request: ChatRequest): Promise<ChatResponse>;
}
