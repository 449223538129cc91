import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { isCodedError } from '../../src/core/errors.ts';
import { createChatModels, OpenAIChatModel } from '../../src/loop/llm/openai.ts';
import type { ChatRequest } from '../../src/loop/llm/types.ts';
import { RecordingChatModel } from '../../src/loop/replay/recorder.ts';
import { agentMarker, startReplayServer, type ReplayServer } from '../../src/loop/replay/server.ts';
import {
  findRef,
  loadTrajectory,
  parseTrajectory,
  resolveTemplates,
} from '../../src/loop/replay/trajectory.ts';
import { configSchema } from '../../src/config/schema.ts';

const SNAPSHOT = [
  '- main [ref=e1]:',
  '  - heading "Revenue" [level=1] [ref=e2]',
  '  - button "Revenue" [ref=e7] [cursor=pointer]',
  '  - button "Refunds" [pressed] [ref=e9] [cursor=pointer]',
  '  - button "Refunds (net)" [ref=e11]',
].join('\n');

const tools = [
  {
    type: 'function' as const,
    function: { name: 'browser_click', description: 'click', parameters: { type: 'object', properties: {} } },
  },
];

let server: ReplayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('trajectory templates', () => {
  it('$ref finds the ref on the line with that role and exact name', () => {
    expect(findRef(SNAPSHOT, 'button "Refunds"')).toBe('e9');
    expect(findRef(SNAPSHOT, 'button "Refunds (net)"')).toBe('e11');
    expect(findRef(SNAPSHOT, 'heading "Revenue"')).toBe('e2');
    // After a navigation the browser prefixes refs with a frame generation.
    expect(findRef('- button "Refunds" [pressed] [ref=f2e45]', 'button "Refunds"')).toBe('f2e45');
    expect(() => findRef(SNAPSHOT, 'link "Refunds"')).toThrow(/no snapshot line/);
  });

  it('resolves nested templates and the long form', () => {
    const args = {
      element: 'Refunds',
      ref: { $fromLastResult: 'ref-of:button "Refunds"' },
      list: [{ $ref: 'button "Revenue"' }],
      n: { $match: 'level=(\\d)' },
    };
    expect(resolveTemplates(args, SNAPSHOT)).toEqual({ element: 'Refunds', ref: 'e9', list: ['e7'], n: '1' });
  });

  it('rejects a malformed trajectory line with its line number', () => {
    expect(() => parseTrajectory('// comment\n{"agent":"coder","tool_calls":[{"tol":"x"}]}')).toThrow(/:2:/);
  });

  it('the shipped demo trajectory parses', () => {
    const turns = loadTrajectory(
      path.join(import.meta.dirname, '../../src/loop/replay/trajectories/datadesk-legend-toggle.jsonl'),
    );
    expect(turns.filter((t) => t.agent === 'coder').length).toBeGreaterThan(5);
    expect(turns.some((t) => t.agent === 'reviewer')).toBe(true);
  });
});

describe('replay server with the real openai client', () => {
  it('lists its models and serves a streaming turn with a $ref computed from the last tool result', async () => {
    server = await startReplayServer({
      trajectory: [
        {
          agent: 'coder',
          content: 'Clicking the legend entry.',
          tool_calls: [
            {
              tool: 'browser_click',
              args: { element: 'Refunds legend entry', ref: { $ref: 'button "Refunds"' } },
            },
          ],
        },
      ],
    });
    const client = new OpenAI({ apiKey: 'x', baseURL: server.url, maxRetries: 0 });
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['replay-coder', 'replay-reviewer']);
    const stream = await client.chat.completions.create({
      model: 'some-real-model-name',
      stream: true,
      stream_options: { include_usage: true },
      tools,
      messages: [
        { role: 'system', content: `${agentMarker('coder')} You are the coder.` },
        { role: 'user', content: 'go' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'c1', type: 'function', function: { name: 'browser_snapshot', arguments: '{}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'c1', content: SNAPSHOT },
      ],
    });
    let content = '';
    let args = '';
    let name = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta;
      content += delta?.content ?? '';
      for (const call of delta?.tool_calls ?? []) {
        name ||= call.function?.name ?? '';
        args += call.function?.arguments ?? '';
      }
      usage ??= chunk.usage;
    }
    expect(content).toBe('Clicking the legend entry.');
    expect(name).toBe('browser_click');
    expect(JSON.parse(args)).toEqual({ element: 'Refunds legend entry', ref: 'e9' });
    expect(usage?.prompt_tokens).toBeGreaterThan(50);
    expect(server.served[0]).toMatchObject({ agent: 'coder', stream: true });
  });

  it('answers a request that does not fit the script with HTTP 400 and records it', async () => {
    server = await startReplayServer({
      trajectory: [{ agent: 'coder', tool_calls: [{ tool: 'browser_click', args: {} }] }],
    });
    const model = new OpenAIChatModel({ model: 'replay-coder', baseURL: server.url, maxRetries: 0 });
    const request: ChatRequest = {
      tools,
      messages: [
        { role: 'system', content: 's' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'c9', name: 'browser_click', arguments: '{}' }] },
      ],
    };
    const error = await model.complete(request).catch((e: unknown) => e);
    expect(isCodedError(error, 'model_error')).toBe(true);
    expect((error as Error).message).toMatch(/HTTP 400.*c9 \(browser_click\) has no tool result/);
    expect(server.mismatches).toHaveLength(1);
    // Not offered → mismatch too.
    const again = await model
      .complete({ tools: [], messages: [{ role: 'system', content: 's' }] })
      .catch((e: unknown) => e);
    expect((again as Error).message).toMatch(/browser_click is not offered/);
    expect(server.remaining()).toEqual({ coder: 1, reviewer: 0 });
  });

  it('the adapter retries 500s with backoff and reports usage and cost', async () => {
    server = await startReplayServer({
      trajectory: [{ agent: 'reviewer', content: 'ok', tool_calls: [], fail: { status: 503, times: 2 } }],
    });
    const model = new OpenAIChatModel({
      model: 'replay-reviewer',
      baseURL: server.url,
      maxRetries: 3,
      prices: { 'replay-reviewer': { input: 1, output: 2 } },
    });
    const response = await model.complete({
      tools: [],
      messages: [{ role: 'user', content: 'x'.repeat(4000) }],
    });
    expect(server.failures).toHaveLength(2);
    expect(response.content).toBe('ok');
    expect(response.usage.promptTokens).toBeGreaterThan(1000);
    expect(response.usage.costUsd).toBeCloseTo(
      (response.usage.promptTokens * 1 + response.usage.completionTokens * 2) / 1e6,
      10,
    );
  });

  it('gives up after the retries with a retryable model_error', async () => {
    server = await startReplayServer({
      trajectory: [{ agent: 'coder', tool_calls: [], fail: { status: 500, times: 5 } }],
    });
    const model = new OpenAIChatModel({ model: 'replay-coder', baseURL: server.url, maxRetries: 1 });
    const error = await model
      .complete({ tools: [], messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(isCodedError(error, 'model_error')).toBe(true);
    expect((error as { retryable: boolean }).retryable).toBe(true);
  });

  it('ModelNotConfigured without a key and a base URL', () => {
    const error = (() => {
      try {
        createChatModels(configSchema.parse({}));
      } catch (e) {
        return e;
      }
    })();
    expect(isCodedError(error, 'model_not_configured')).toBe(true);
  });

  it('the recorder writes a trajectory that replays without mismatches', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lw-rec-'));
    try {
      server = await startReplayServer({
        trajectory: [
          {
            agent: 'coder',
            content: 'clicking',
            tool_calls: [
              { tool: 'browser_click', args: { element: 'Refunds', ref: { $ref: 'button "Refunds"' } } },
            ],
          },
        ],
      });
      const file = path.join(dir, 'rec.jsonl');
      const recording = new RecordingChatModel(
        new OpenAIChatModel({ model: 'replay-coder', baseURL: server.url }),
        { agent: 'coder', file },
      );
      const request: ChatRequest = {
        tools,
        messages: [
          { role: 'system', content: 's' },
          {
            role: 'assistant',
            content: '',
            toolCalls: [{ id: 'a', name: 'browser_snapshot', arguments: '{}' }],
          },
          { role: 'tool', toolCallId: 'a', content: SNAPSHOT },
        ],
      };
      await recording.complete(request);
      const recorded = readFileSync(file, 'utf8');
      expect(JSON.parse(recorded)).toMatchObject({
        agent: 'coder',
        content: 'clicking',
        tool_calls: [{ tool: 'browser_click', args: { ref: { $ref: 'button "Refunds"' } } }],
        expect: { tools: ['browser_click'] },
      });
      await server.close();
      server = await startReplayServer({ trajectory: file });
      const replayed = await new OpenAIChatModel({ model: 'replay-coder', baseURL: server.url }).complete(
        request,
      );
      expect(replayed.toolCalls[0]?.arguments).toBe('{"element":"Refunds","ref":"e9"}');
      expect(server.mismatches).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
