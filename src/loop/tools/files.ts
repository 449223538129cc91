/** File tools (DESIGN.md §4): list, read and search are kind `read`; write and edit are kind `edit`. */
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';
import { z } from 'zod';
import { defineTool, ResponseBuilder, toolError, toolResult } from '../../core/tool.ts';
import { pathDenied } from '../policy/paths.ts';
import { confine } from './confine.ts';
import type { LoopToolContext } from './context.ts';

/** Directories nobody wants listed or searched. */
const SKIP_DIRS = new Set([
  '.git',
  'node_modules',
  'dist',
  'build',
  'coverage',
  '.next',
  '.cache',
  '.venv',
  '__pycache__',
]);
const MAX_LIST = 400;
const MAX_MATCHES = 150;
const MAX_FILE_BYTES = 1_000_000;
const DEFAULT_READ_LINES = 400;

/** What the file tools read: the root, where big output goes, and the target's settings (denied paths). */
export type FileToolsContext = Pick<LoopToolContext, 'root' | 'outputsDir'> & {
  sandbox: Pick<LoopToolContext['sandbox'], 'settings'>;
};
type Ctx = FileToolsContext;

async function* walk(root: string, dir: string): AsyncGenerator<string> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const abs = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) yield* walk(root, abs);
    } else if (entry.isFile()) {
      yield path.relative(root, abs).split(path.sep).join('/');
    }
  }
}

export const listFiles = defineTool({
  name: 'list_files',
  description:
    'List files in the repository (recursively; node_modules, .git and build output are skipped). `path` is a directory relative to the repository root; `glob` filters, e.g. "src/**/*.tsx".',
  kind: 'read',
  input: z.object({ path: z.string().optional(), glob: z.string().optional() }),
  async run(ctx: Ctx, input) {
    const where = await confine(ctx.root, input.path ?? '.');
    if (!where.ok) return toolError(where.reason);
    const match = input.glob ? picomatch(input.glob, { dot: true }) : undefined;
    const files: string[] = [];
    let more = 0;
    for await (const rel of walk(ctx.root, where.abs)) {
      if (match && !match(rel)) continue;
      if (files.length < MAX_LIST) files.push(rel);
      else more++;
    }
    if (!files.length)
      return toolResult(`No files under ${where.rel}${input.glob ? ` matching ${input.glob}` : ''}.`);
    return toolResult(files.join('\n') + (more ? `\n… and ${more} more; narrow with path or glob.` : ''));
  },
});

export const readFileTool = defineTool({
  name: 'read_file',
  description: `Read a text file with line numbers. \`offset\` is the first line (1-based), \`limit\` the number of lines (default ${DEFAULT_READ_LINES}). Also reads saved tool output by the absolute path a tool gave you.`,
  kind: 'read',
  input: z.object({
    path: z.string().min(1),
    offset: z.number().int().min(1).optional(),
    limit: z.number().int().min(1).max(2000).optional(),
  }),
  async run(ctx: Ctx, input) {
    const where = await confine(ctx.root, input.path, { readOnlyRoots: [ctx.outputsDir] });
    if (!where.ok) return toolError(where.reason);
    const info = await stat(where.abs).catch(() => undefined);
    if (!info)
      return toolError(`${input.path} does not exist. Use list_files or search to find the right path.`);
    if (info.isDirectory()) return toolError(`${input.path} is a directory; use list_files.`);
    if (info.size > MAX_FILE_BYTES * 5)
      return toolError(
        `${input.path} is ${info.size} bytes; too large to read. Use search to find the part you need.`,
      );
    const buffer = await readFile(where.abs);
    if (buffer.subarray(0, 8000).includes(0)) return toolError(`${input.path} is a binary file.`);
    const lines = buffer.toString('utf8').split('\n');
    const start = (input.offset ?? 1) - 1;
    const end = Math.min(lines.length, start + (input.limit ?? DEFAULT_READ_LINES));
    if (start >= lines.length)
      return toolError(`${input.path} has ${lines.length} lines; offset ${input.offset} is past the end.`);
    const width = String(end).length;
    const body = lines.slice(start, end).map((l, i) => `${String(start + i + 1).padStart(width)}| ${l}`);
    const note =
      start > 0 || end < lines.length
        ? `\n(lines ${start + 1}–${end} of ${lines.length}; use offset to read more)`
        : '';
    return toolResult(`${where.rel}\n${body.join('\n')}${note}`);
  },
});

export const searchTool = defineTool({
  name: 'search',
  description:
    'Search file contents with a JavaScript regular expression (case-sensitive). `path` limits to a directory, `glob` to file names, e.g. "**/*.tsx". Returns path:line: text.',
  kind: 'read',
  input: z.object({ pattern: z.string().min(1), path: z.string().optional(), glob: z.string().optional() }),
  async run(ctx: Ctx, input) {
    let re: RegExp;
    try {
      re = new RegExp(input.pattern);
    } catch (error) {
      return toolError(
        `pattern is not a valid regular expression (${(error as Error).message}); escape special characters like ( [ { . * +`,
      );
    }
    const where = await confine(ctx.root, input.path ?? '.');
    if (!where.ok) return toolError(where.reason);
    const match = input.glob ? picomatch(input.glob, { dot: true }) : undefined;
    const hits: string[] = [];
    let more = 0;
    const files = (await stat(where.abs).catch(() => undefined))?.isFile()
      ? [where.rel]
      : walk(ctx.root, where.abs);
    for await (const rel of files) {
      if (match && !match(rel)) continue;
      const abs = path.join(ctx.root, rel);
      const info = await stat(abs).catch(() => undefined);
      if (!info || info.size > MAX_FILE_BYTES) continue;
      const buffer = await readFile(abs);
      if (buffer.subarray(0, 8000).includes(0)) continue;
      buffer
        .toString('utf8')
        .split('\n')
        .forEach((line, i) => {
          if (!re.test(line)) return;
          if (hits.length < MAX_MATCHES)
            hits.push(`${rel}:${i + 1}: ${line.length > 240 ? line.slice(0, 240) + '…' : line}`);
          else more++;
        });
    }
    if (!hits.length) return toolResult(`No matches for /${input.pattern}/.`);
    return toolResult(
      hits.join('\n') + (more ? `\n… and ${more} more matches; narrow with path or glob.` : ''),
    );
  },
});

async function writable(ctx: Ctx, requested: string) {
  const where = await confine(ctx.root, requested);
  if (!where.ok) return where;
  const denied = pathDenied(where.rel, ctx.sandbox.settings);
  if (denied) return { ok: false as const, reason: `refused: ${denied.message}` };
  return where;
}

export const writeFileTool = defineTool({
  name: 'write_file',
  description: 'Create or overwrite a file with `content`. Prefer edit_file for changes to existing files.',
  kind: 'edit',
  input: z.object({ path: z.string().min(1), content: z.string() }),
  async run(ctx: Ctx, input) {
    const where = await writable(ctx, input.path);
    if (!where.ok) return toolError(where.reason);
    const existed = await stat(where.abs).then(
      () => true,
      () => false,
    );
    await mkdir(path.dirname(where.abs), { recursive: true });
    await writeFile(where.abs, input.content);
    return toolResult(
      `${existed ? 'Overwrote' : 'Created'} ${where.rel} (${input.content.split('\n').length} lines).`,
    );
  },
});

export const editFile = defineTool({
  name: 'edit_file',
  description:
    'Replace `old_string` with `new_string` in a file. `old_string` must match the file exactly (whitespace included) and occur once, unless `replace_all` is true. Include enough surrounding lines to make it unique.',
  kind: 'edit',
  input: z.object({
    path: z.string().min(1),
    old_string: z.string().min(1),
    new_string: z.string(),
    replace_all: z.boolean().optional(),
  }),
  async run(ctx: Ctx, input) {
    const where = await writable(ctx, input.path);
    if (!where.ok) return toolError(where.reason);
    const text = await readFile(where.abs, 'utf8').catch(() => undefined);
    if (text === undefined)
      return toolError(
        `${input.path} does not exist. Use write_file to create it, or list_files to find the right path.`,
      );
    const count = text.split(input.old_string).length - 1;
    if (count === 0)
      return toolError(
        `0 occurrences of old_string in ${where.rel} — read the file again and copy the text exactly.`,
      );
    if (count > 1 && !input.replace_all) {
      return toolError(
        `${count} occurrences of old_string in ${where.rel}; add surrounding lines to make it unique, or set replace_all to true.`,
      );
    }
    if (input.old_string === input.new_string)
      return toolError('old_string and new_string are the same; nothing would change.');
    const next = input.replace_all
      ? text.split(input.old_string).join(input.new_string)
      : text.replace(input.old_string, () => input.new_string);
    await writeFile(where.abs, next);
    const line = text.slice(0, text.indexOf(input.old_string)).split('\n').length;
    return new ResponseBuilder()
      .addResult(
        `Edited ${where.rel}: ${input.replace_all ? `${count} replacements` : `1 replacement at line ${line}`}.`,
      )
      .build();
  },
});

export const readOnlyFileTools = [listFiles, readFileTool, searchTool];
export const fileTools = [...readOnlyFileTools, writeFileTool, editFile];
