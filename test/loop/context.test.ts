import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compactHistory,
  estimateTokens,
  SNAPSHOT_PLACEHOLDER,
  supersedeSnapshots,
  truncateToolOutput,
} from '../../src/loop/context.ts';
import type { ChatMessage } from '../../src/loop/llm/types.ts';

const snap = (n: number) =>
  `### Result\nclicked ${n}\n\n### Snapshot\n\`\`\`yaml\n- button "B${n}" [ref=e${n}]\n${'- generic\n'.repeat(200)}\`\`\``;

describe('context management', () => {
  it('keeps only the newest snapshot, and the other sections of older results', () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: 's' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'a', name: 'browser_snapshot', arguments: '{}' }] },
      { role: 'tool', toolCallId: 'a', content: snap(1) },
      { role: 'assistant', content: '', toolCalls: [{ id: 'b', name: 'browser_click', arguments: '{}' }] },
      { role: 'tool', toolCallId: 'b', content: snap(2) },
    ];
    const before = estimateTokens(messages);
    expect(supersedeSnapshots(messages, new Set(['a', 'b']))).toBe(1);
    expect(messages[2]!.content).toBe(`### Result\nclicked 1\n\n${SNAPSHOT_PLACEHOLDER}`);
    expect(messages[4]!.content).toContain('[ref=e2]');
    expect(estimateTokens(messages)).toBeLessThan(before * 0.6);
    expect(supersedeSnapshots(messages, new Set(['a', 'b']))).toBe(0);
    // A snapshot whose closing fence was cut by truncation is superseded too.
    messages.push({
      role: 'assistant',
      content: '',
      toolCalls: [{ id: 'c', name: 'browser_click', arguments: '{}' }],
    });
    messages.push({ role: 'tool', toolCallId: 'c', content: snap(3) });
    messages[4] = { role: 'tool', toolCallId: 'b', content: snap(2).slice(0, 300) };
    expect(supersedeSnapshots(messages, new Set(['a', 'b', 'c']))).toBe(1);
    expect(messages[4]!.content).toBe(`### Result\nclicked 2\n\n${SNAPSHOT_PLACEHOLDER}`);
  });

  it('cuts long tool output and saves the full text', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lw-ctx-'));
    try {
      const long = Array.from({ length: 3000 }, (_, i) => `row ${i}`).join('\n');
      const cut = truncateToolOutput(long, { maxChars: 2000, dir, name: 'call_7' });
      expect(cut.length).toBeLessThan(2200);
      expect(cut).toContain('row 0');
      expect(cut).toContain('row 2999');
      const file = path.join(dir, 'call_7.txt');
      expect(cut).toContain(`full output: ${file}`);
      expect(existsSync(file) && readFileSync(file, 'utf8')).toBe(long);
      expect(truncateToolOutput('short', { maxChars: 2000, dir, name: 'x' })).toBe('short');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('compacts the oldest turns into one summary, keeping call/result pairs and feedback', () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: 'system' },
      { role: 'user', content: 'request' },
    ];
    for (let i = 0; i < 8; i++) {
      messages.push({
        role: 'assistant',
        content: `step ${i}`,
        toolCalls: [{ id: `c${i}`, name: 'read_file', arguments: `{"path":"f${i}.ts"}` }],
      });
      messages.push({
        role: 'tool',
        toolCallId: `c${i}`,
        content: i === 2 ? '### Error\nno such file' : `### Result\nf${i}.ts\n${'x'.repeat(2000)}`,
      });
      if (i === 1) messages.push({ role: 'user', content: 'The reviewer requested changes: add a test' });
    }
    const before = estimateTokens(messages);
    const removed = compactHistory(messages, { keepTurns: 3 });
    expect(removed).toBe(11);
    expect(messages[0]!.content).toBe('system');
    expect(messages[1]!.content).toBe('request');
    const summary = messages[2]!.content;
    expect(summary).toContain('read_file({"path":"f0.ts"}) → f0.ts');
    expect(summary).toContain('→ error: no such file');
    expect(summary).toContain('The reviewer requested changes: add a test');
    expect(messages[3]).toMatchObject({ role: 'assistant', content: 'step 5' });
    expect(estimateTokens(messages)).toBeLessThan(before / 2);
    // Every remaining tool call is still answered.
    const answered = new Set(messages.flatMap((m) => (m.role === 'tool' ? [m.toolCallId] : [])));
    for (const m of messages)
      if (m.role === 'assistant') for (const c of m.toolCalls) expect(answered.has(c.id)).toBe(true);
  });
});
