/** The transcript: every message and tool call of a ticket as JSONL, redacted, appended as it happens. */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { AgentRole } from '../core/events.ts';
import { redact } from '../core/redact.ts';

export type TranscriptEntry =
  | { kind: 'message'; agent: AgentRole; role: string; content: string; toolCalls?: unknown }
  | {
      kind: 'tool';
      agent: AgentRole;
      callId: string;
      name: string;
      args: unknown;
      ok: boolean;
      output: string;
      durationMs: number;
    }
  | { kind: 'usage'; agent: AgentRole; model: string; usage: unknown; modelMs: number }
  | { kind: 'note'; text: string };

export class Transcript {
  private readonly file?: string;

  /** Without a path the transcript is discarded (tests, dry runs). */
  constructor(file?: string) {
    this.file = file;
    if (file) mkdirSync(path.dirname(file), { recursive: true });
  }

  write(entry: TranscriptEntry): void {
    if (!this.file) return;
    appendFileSync(this.file, redact(JSON.stringify({ at: new Date().toISOString(), ...entry })) + '\n');
  }
}
