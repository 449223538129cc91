/**
 * The OpenAI adapter of the model port: Chat Completions with tools on any OpenAI-compatible
 * endpoint (OpenAI, Azure, vLLM, Ollama, LiteLLM, the replay server). Retries on 408/409/429/5xx
 * and timeouts are the SDK's own (exponential backoff with jitter, honouring `retry-after`).
 */
import OpenAI, { APIError, APIUserAbortError } from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { Config } from '../../config/schema.ts';
import { CodedError, ErrorCode } from '../../core/errors.ts';
import { costOf } from './cost.ts';
import type { ChatMessage, ChatModel, ChatRequest, ChatResponse, ToolCall } from './types.ts';

export interface OpenAIModelOptions {
  model: string;
  apiKey?: string;
  baseURL?: string;
  prices?: Config['prices'];
  /** Retries of transient failures (default 4). */
  maxRetries?: number;
  /** Per-attempt timeout (default 120 s). */
  timeoutMs?: number;
  temperature?: number;
}

export class OpenAIChatModel implements ChatModel {
  readonly name: string;
  private readonly client: OpenAI;
  private readonly prices: Config['prices'];
  private readonly temperature?: number;

  constructor(opts: OpenAIModelOptions) {
    if (!opts.apiKey && !opts.baseURL) {
      throw new CodedError(ErrorCode.ModelNotConfigured, 'no model is configured', {
        hint: 'set OPENAI_API_KEY (and optionally OPENAI_BASE_URL and LOOPWRIGHT_MODEL), or run the scripted demo',
      });
    }
    this.name = opts.model;
    this.prices = opts.prices ?? {};
    this.temperature = opts.temperature;
    this.client = new OpenAI({
      // Local OpenAI-compatible servers (vLLM, Ollama) take any key; the SDK insists on one.
      apiKey: opts.apiKey || 'not-needed',
      baseURL: opts.baseURL,
      maxRetries: opts.maxRetries ?? 4,
      timeout: opts.timeoutMs ?? 120_000,
    });
  }

  async complete(request: ChatRequest): Promise<ChatResponse> {
    const started = performance.now();
    let completion: OpenAI.Chat.Completions.ChatCompletion;
    try {
      completion = await this.client.chat.completions.create(
        {
          model: this.name,
          messages: request.messages.map(toWire),
          ...(request.tools.length ? { tools: request.tools, parallel_tool_calls: true } : {}),
          ...(this.temperature !== undefined ? { temperature: this.temperature } : {}),
        },
        { signal: request.signal },
      );
    } catch (error) {
      throw classify(error, this.name);
    }
    const choice = completion.choices[0];
    if (!choice) throw new CodedError(ErrorCode.ModelOutputInvalid, `model ${this.name} returned no choices`);
    const toolCalls: ToolCall[] = [];
    for (const call of choice.message.tool_calls ?? []) {
      if (call.type === 'function')
        toolCalls.push({ id: call.id, name: call.function.name, arguments: call.function.arguments });
    }
    const promptTokens = completion.usage?.prompt_tokens ?? 0;
    const completionTokens = completion.usage?.completion_tokens ?? 0;
    const cachedTokens = completion.usage?.prompt_tokens_details?.cached_tokens ?? 0;
    const usage = { promptTokens, completionTokens, cachedTokens };
    return {
      content: choice.message.content ?? '',
      toolCalls,
      finishReason: choice.finish_reason ?? 'stop',
      usage: { ...usage, costUsd: costOf(this.name, usage, this.prices) },
      model: completion.model || this.name,
      durationMs: performance.now() - started,
    };
  }
}

/**
 * The coder's and the reviewer's models from config; the reviewer falls back to the coder's model.
 * `named` is an owner's own model, when its reviewer file names one.
 */
export function createChatModels(config: Config): {
  coder: ChatModel;
  reviewer: ChatModel;
  named: (model: string) => ChatModel;
} {
  const base = { apiKey: config.openaiApiKey, baseURL: config.openaiBaseUrl, prices: config.prices };
  const coder = new OpenAIChatModel({ ...base, model: config.model });
  const reviewer = config.reviewModel ? new OpenAIChatModel({ ...base, model: config.reviewModel }) : coder;
  return { coder, reviewer, named: (model) => new OpenAIChatModel({ ...base, model }) };
}

function toWire(message: ChatMessage): ChatCompletionMessageParam {
  switch (message.role) {
    case 'system':
    case 'user':
      return { role: message.role, content: message.content };
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
    case 'assistant':
      return {
        role: 'assistant',
        content: message.content || null,
        ...(message.toolCalls.length
          ? {
              tool_calls: message.toolCalls.map((c) => ({
                id: c.id,
                type: 'function' as const,
                function: { name: c.name, arguments: c.arguments },
              })),
            }
          : {}),
      };
  }
}

/** By status, never by message text (STYLE.md 9). Retries were already spent by the SDK. */
function classify(error: unknown, model: string): CodedError {
  if (error instanceof APIUserAbortError)
    return new CodedError(ErrorCode.Cancelled, 'model call cancelled', { cause: error });
  if (error instanceof APIError) {
    const status = error.status;
    const retryable =
      status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
    const hint =
      status === 401 || status === 403
        ? 'check OPENAI_API_KEY'
        : status === 404
          ? `check LOOPWRIGHT_MODEL (${model}) and OPENAI_BASE_URL`
          : undefined;
    return new CodedError(
      ErrorCode.ModelError,
      `model ${model} failed${status ? ` with HTTP ${status}` : ''}: ${error.message}`,
      {
        cause: error,
        retryable,
        hint,
      },
    );
  }
  return new CodedError(ErrorCode.ModelError, `model ${model} failed: ${(error as Error).message}`, {
    cause: error,
    retryable: true,
  });
}
