/**
 * Agent tools are defined once, with no transport in them (STYLE.md 1–3, 5): a name, the
 * description (prompt text — review it like code), a kind that policy and logging key off, a zod
 * input schema, and `run`. One adapter in src/loop turns them into OpenAI `tools`.
 */
import type { z } from 'zod';
import { redact } from './redact.ts';

/** read: no side effect · edit: changes files · execute: runs commands · browser: drives the page · assert: ends or proves. */
export type ToolKind = 'read' | 'edit' | 'execute' | 'browser' | 'assert';
export const MUTATOR_KINDS: ReadonlySet<ToolKind> = new Set(['edit', 'execute']);

export interface ToolDefinition<C, S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  kind: ToolKind;
  input: S;
  run(ctx: C, input: z.infer<S>): Promise<ToolResponse>;
}

export function defineTool<C, S extends z.ZodType>(tool: ToolDefinition<C, S>): ToolDefinition<C, S> {
  return tool;
}

/** A tool of any input type, as held in a registry. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTool<C> = ToolDefinition<C, any>;

export interface ToolImage {
  path: string;
  mimeType: 'image/png' | 'image/jpeg';
  caption?: string;
}

/** What one tool call returns to the loop: text for the model plus structured extras. */
export interface ToolResponse {
  /** False when the call failed in a way the model can fix; the text says how. */
  ok: boolean;
  text: string;
  /** A snapshot section; the loop keeps only the newest one in context (STYLE.md 4). */
  hasSnapshot?: boolean;
  images?: ToolImage[];
  /** Tool-specific structured data (a proof result, a verdict) for the loop, not the model. */
  data?: unknown;
}

export const MAX_SECTION_CHARS = 12_000;

/**
 * The one response builder (STYLE.md 5): fixed sections in a fixed order, each capped, the whole
 * redacted. Large output should be saved to a file by the tool and linked with `file()`.
 */
export class ResponseBuilder {
  private result: string[] = [];
  private error: string[] = [];
  private page: string[] = [];
  private snapshot?: string;
  private files: string[] = [];
  private images: ToolImage[] = [];
  private data: unknown;

  addResult(text: string): this {
    this.result.push(text);
    return this;
  }
  addError(text: string): this {
    this.error.push(text);
    return this;
  }
  setPage(url: string, title?: string): this {
    this.page = [`- URL: ${url}`, ...(title !== undefined ? [`- Title: ${title}`] : [])];
    return this;
  }
  addPageLine(line: string): this {
    this.page.push(line);
    return this;
  }
  setSnapshot(yaml: string): this {
    this.snapshot = yaml;
    return this;
  }
  file(path: string, what: string): this {
    this.files.push(`- ${what}: ${path}`);
    return this;
  }
  image(image: ToolImage): this {
    this.images.push(image);
    return this;
  }
  setData(data: unknown): this {
    this.data = data;
    return this;
  }

  build(): ToolResponse {
    const sections: string[] = [];
    const add = (title: string, body: string) => sections.push(`### ${title}\n${cap(body)}`);
    if (this.error.length) add('Error', this.error.join('\n'));
    if (this.result.length) add('Result', this.result.join('\n'));
    if (this.files.length) add('Files', this.files.join('\n'));
    if (this.page.length) add('Page', this.page.join('\n'));
    if (this.snapshot !== undefined) add('Snapshot', '```yaml\n' + this.snapshot + '\n```');
    return {
      ok: this.error.length === 0,
      text: redact(sections.join('\n\n') || '### Result\n(no output)'),
      hasSnapshot: this.snapshot !== undefined,
      images: this.images.length ? this.images : undefined,
      data: this.data,
    };
  }
}

export const toolError = (message: string): ToolResponse => new ResponseBuilder().addError(message).build();
export const toolResult = (message: string, data?: unknown): ToolResponse =>
  new ResponseBuilder().addResult(message).setData(data).build();

/** Keeps head and tail of over-long text, saying how much was cut. */
export function cap(text: string, max = MAX_SECTION_CHARS): string {
  if (text.length <= max) return text;
  const head = text.slice(0, Math.floor(max * 0.6));
  const tail = text.slice(text.length - Math.floor(max * 0.3));
  return `${head}\n… [${text.length - head.length - tail.length} characters cut] …\n${tail}`;
}
