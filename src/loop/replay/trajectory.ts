/**
 * Scripted trajectories: a JSONL file of assistant turns that the replay server plays to the real
 * `openai` client, and that the recorder writes from a real run.
 *
 * One line per assistant turn (blank lines and lines starting with `//` are skipped):
 *
 *   {"agent":"coder","content":"Reading the chart.","tool_calls":[{"tool":"read_file","args":{"path":"src/a.ts"}}],
 *    "expect":{"tools":["read_file"],"lastResultIncludes":["export"]}}
 *
 * - `agent`: `coder` or `reviewer`; each agent has its own cursor through the file.
 * - `reviewer` (reviewer turns only): which reviewer's conversation the turn belongs to, `general`
 *   (the default) or an owner's name. Each reviewer has its own cursor, so reviewers running at the
 *   same time each get their own script whatever order their requests arrive in.
 * - `content`: assistant text (optional). `tool_calls`: `{tool, args}` or `{tool, raw_args}` where
 *   `raw_args` is sent verbatim (to script invalid JSON).
 * - `expect` (all optional), checked against the incoming request before the turn is served:
 *   `tools` must be offered; `lastResultIncludes` / `lastResultExcludes` are substrings of the tool
 *   results since the previous assistant turn; `promptIncludes` / `promptExcludes` are substrings
 *   of any system or user message. Independently of `expect`, every tool call id of the previous
 *   assistant turn must be answered and every called tool must be offered.
 * - `latencyMs`: wait this long before answering, standing in for a model's thinking time (benches).
 * - `fail`: `{status, times, message?}` — answer the first `times` requests for this turn with that
 *   HTTP status before serving it (to script endpoint outages).
 *
 * Arguments may be computed from the latest tool result (the template language):
 *
 *   {"$ref": "button \"Refunds\""}     → the ref (`eN`, or `fMeN` after navigations) of the first
 *                                       snapshot line `- button "Refunds" … [ref=…]`
 *                                       (role, then the quoted accessible name; the name matches exactly)
 *   {"$match": "Saved to (\\S+)"}       → the first capture group (or whole match) of a regex
 *   {"$fromLastResult": "ref-of:button \"Refunds\""}  → same as `$ref` (long form)
 *
 * Templates may appear anywhere in `args`; an unresolved template is a mismatch (HTTP 400).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CodedError, ErrorCode } from '../../core/errors.ts';

export const scriptedCallSchema = z
  .object({
    tool: z.string().min(1),
    args: z.unknown().optional(),
    raw_args: z.string().optional(),
    /** The tool is deliberately not offered (to script a call to an unknown tool). */
    unoffered: z.boolean().optional(),
  })
  .strict();

export const scriptedTurnSchema = z
  .object({
    agent: z.enum(['coder', 'reviewer']),
    reviewer: z.string().min(1).optional(),
    content: z.string().optional(),
    tool_calls: z.array(scriptedCallSchema).default([]),
    expect: z
      .object({
        tools: z.array(z.string()).optional(),
        lastResultIncludes: z.array(z.string()).optional(),
        lastResultExcludes: z.array(z.string()).optional(),
        promptIncludes: z.array(z.string()).optional(),
        promptExcludes: z.array(z.string()).optional(),
      })
      .strict()
      .optional(),
    latencyMs: z.number().int().nonnegative().optional(),
    fail: z
      .object({ status: z.number().int(), times: z.number().int().min(1), message: z.string().optional() })
      .optional(),
    /** Free text for people reading the file. */
    note: z.string().optional(),
  })
  .strict();
export type ScriptedTurn = z.infer<typeof scriptedTurnSchema>;
export type ScriptedCall = z.infer<typeof scriptedCallSchema>;

export function parseTrajectory(text: string, source = 'trajectory'): ScriptedTurn[] {
  const turns: ScriptedTurn[] = [];
  text.split('\n').forEach((line, i) => {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('//')) return;
    let raw: unknown;
    try {
      raw = JSON.parse(trimmed);
    } catch (error) {
      throw new CodedError(
        ErrorCode.BadRequest,
        `${source}:${i + 1} is not valid JSON: ${(error as Error).message}`,
      );
    }
    const parsed = scriptedTurnSchema.safeParse(raw);
    if (!parsed.success)
      throw new CodedError(ErrorCode.BadRequest, `${source}:${i + 1}: ${z.prettifyError(parsed.error)}`);
    turns.push(parsed.data);
  });
  return turns;
}

export const loadTrajectory = (file: string): ScriptedTurn[] =>
  parseTrajectory(readFileSync(file, 'utf8'), file);

/** The cursor a turn belongs to: `coder`, or `reviewer:<name>` (`reviewer:general` by default). */
export const scriptKey = (turn: Pick<ScriptedTurn, 'agent' | 'reviewer'>): string =>
  turn.agent === 'coder' ? 'coder' : `reviewer:${turn.reviewer ?? 'general'}`;

export const serializeTurn = (turn: ScriptedTurn): string => JSON.stringify(turn);

/** Thrown by `resolveTemplates` when a template cannot be resolved against the last result. */
export class TemplateError extends Error {}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `button "Refunds"` → the ref on the first snapshot line with that role and exact name. */
export function findRef(snapshot: string, roleAndName: string): string {
  const m = /^\s*(\S+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*$/.exec(roleAndName);
  if (!m) throw new TemplateError(`bad $ref selector ${JSON.stringify(roleAndName)}: use role "name"`);
  const [, role, name] = m;
  const head = name === undefined ? `${escapeRe(role!)}\\b` : `${escapeRe(role!)} "${escapeRe(name)}"`;
  const re = new RegExp(`^\\s*- ${head}.*\\[ref=((?:f\\d+)?e\\d+)\\]`, 'm');
  const found = re.exec(snapshot);
  if (!found)
    throw new TemplateError(`no snapshot line for ${roleAndName} with a [ref=…] in the last tool result`);
  return found[1]!;
}

/** Replaces `$ref` / `$match` / `$fromLastResult` objects in `args` with values from `lastResult`. */
export function resolveTemplates(args: unknown, lastResult: string): unknown {
  if (Array.isArray(args)) return args.map((a) => resolveTemplates(a, lastResult));
  if (args === null || typeof args !== 'object') return args;
  const obj = args as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1) {
    const value = obj[keys[0]!];
    if (keys[0] === '$ref' && typeof value === 'string') return findRef(lastResult, value);
    if (keys[0] === '$fromLastResult' && typeof value === 'string') {
      if (!value.startsWith('ref-of:'))
        throw new TemplateError(`unknown $fromLastResult form ${JSON.stringify(value)}`);
      return findRef(lastResult, value.slice('ref-of:'.length));
    }
    if (keys[0] === '$match' && typeof value === 'string') {
      const found = new RegExp(value, 'm').exec(lastResult);
      if (!found)
        throw new TemplateError(`$match ${JSON.stringify(value)} found nothing in the last tool result`);
      return found[1] ?? found[0];
    }
  }
  return Object.fromEntries(keys.map((k) => [k, resolveTemplates(obj[k], lastResult)]));
}

/**
 * The inverse of `$ref`, used by the recorder: if `ref` appears on a snapshot line of `lastResult`
 * with a role and a quoted name that is unique there, returns the `role "name"` selector.
 */
export function selectorForRef(lastResult: string, ref: string): string | undefined {
  const line = lastResult.split('\n').find((l) => l.includes(`[ref=${ref}]`));
  const m = line && /^\s*- (\S+) "((?:[^"\\]|\\.)*)"/.exec(line);
  if (!m) return undefined;
  const selector = `${m[1]} "${m[2]}"`;
  try {
    return findRef(lastResult, selector) === ref ? selector : undefined;
  } catch {
    return undefined;
  }
}
