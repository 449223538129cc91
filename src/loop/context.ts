/**
 * Context management: what the model sees each turn stays small and current.
 * - Only the newest browser snapshot stays: older tool messages keep their other sections, and
 *   their Snapshot section becomes a one-line placeholder (STYLE.md 4).
 * - Long tool output is cut to head and tail with the path of the full text (readable by read_file).
 * - Past `compactAtTokens` (estimated as characters / 4) the oldest turns are replaced by one
 *   extractive summary. It is built from the turns themselves, not by a model call: it costs no
 *   tokens or latency, cannot invent facts, and replays identically under a scripted model.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SNAPSHOT_PLACEHOLDER as BROWSER_PLACEHOLDER } from '../browser/tools.ts';
import type { ChatMessage } from './llm/types.ts';

// To the closing fence, or to the end when truncation cut it off (Snapshot is the last section).
const SNAPSHOT_SECTION = /### Snapshot\n```yaml\n[\s\S]*?(?:\n```|$(?![\s\S]))/g;
export const SNAPSHOT_PLACEHOLDER = `### Snapshot\n${BROWSER_PLACEHOLDER}`;

/** Replaces the Snapshot section of every tool message in `withSnapshot` except the newest. Returns how many changed. */
export function supersedeSnapshots(messages: ChatMessage[], withSnapshot: ReadonlySet<string>): number {
  let newest = -1;
  messages.forEach((m, i) => {
    if (m.role === 'tool' && withSnapshot.has(m.toolCallId)) newest = i;
  });
  let changed = 0;
  messages.forEach((m, i) => {
    if (i === newest || m.role !== 'tool' || !withSnapshot.has(m.toolCallId)) return;
    const next = m.content.replace(SNAPSHOT_SECTION, SNAPSHOT_PLACEHOLDER);
    if (next !== m.content) {
      messages[i] = { ...m, content: next };
      changed++;
    }
  });
  return changed;
}

/** Cuts long tool output to head and tail, saving the full text to `dir/<name>.txt`. */
export function truncateToolOutput(
  text: string,
  opts: { maxChars: number; dir: string; name: string },
): string {
  if (text.length <= opts.maxChars) return text;
  mkdirSync(opts.dir, { recursive: true });
  const file = path.join(opts.dir, `${opts.name.replace(/[^\w.-]/g, '_')}.txt`);
  writeFileSync(file, text);
  const head = text.slice(0, Math.floor(opts.maxChars * 0.7));
  const tail = text.slice(text.length - Math.floor(opts.maxChars * 0.2));
  return `${head}\n… [${text.length - head.length - tail.length} characters cut; full output: ${file} (read_file with offset/limit)] …\n${tail}`;
}

export const estimateTokens = (messages: readonly ChatMessage[]): number =>
  Math.ceil(
    messages.reduce(
      (n, m) => n + m.content.length + (m.role === 'assistant' ? JSON.stringify(m.toolCalls).length : 0),
      0,
    ) / 4,
  );

const firstLine = (s: string, max = 160): string => {
  const line =
    s
      .replace(/^###\s+\w+\n/, '')
      .split('\n')
      .find((l) => l.trim()) ?? '';
  return line.length > max ? line.slice(0, max) + '…' : line;
};

/**
 * Replaces the oldest turns (after the system prompt and the request) with one summary message,
 * keeping the newest `keepTurns` assistant turns intact. Cuts only at assistant-turn boundaries so
 * every tool call stays paired with its result. Returns the number of messages removed.
 */
export function compactHistory(
  messages: ChatMessage[],
  opts: { keepTurns?: number; head?: number } = {},
): number {
  const head = opts.head ?? 2;
  const keep = opts.keepTurns ?? 4;
  const assistants = messages
    .map((m, i) => (m.role === 'assistant' && i >= head ? i : -1))
    .filter((i) => i >= 0);
  if (assistants.length <= keep) return 0;
  const cut = assistants[assistants.length - keep]!;
  const old = messages.slice(head, cut);
  const results = new Map(
    old.filter((m) => m.role === 'tool').map((m) => [m.role === 'tool' ? m.toolCallId : '', m.content]),
  );
  const lines: string[] = [];
  for (const m of old) {
    if (m.role === 'user')
      lines.push(`- Message: ${m.content.length > 1500 ? m.content.slice(0, 1500) + '…' : m.content}`);
    if (m.role !== 'assistant') continue;
    if (m.content.trim()) lines.push(`- You said: ${firstLine(m.content, 300)}`);
    for (const call of m.toolCalls) {
      const result = results.get(call.id) ?? '';
      const args = call.arguments.length > 160 ? call.arguments.slice(0, 160) + '…' : call.arguments;
      lines.push(
        `- ${call.name}(${args}) → ${result.startsWith('### Error') ? 'error: ' : ''}${firstLine(result)}`,
      );
    }
  }
  const summary: ChatMessage = {
    role: 'user',
    content: `[Earlier turns were compacted to save context. What happened, oldest first:]\n${lines.join('\n')}\n[Re-read any file you need; file contents above are not current.]`,
  };
  messages.splice(head, cut - head, summary);
  return cut - head;
}
