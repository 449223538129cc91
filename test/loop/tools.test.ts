import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool, toolResult } from '../../src/core/tool.ts';
import { dispatchToolCall, toOpenAITools, ToolRegistry } from '../../src/loop/tools/adapter.ts';
import { confine } from '../../src/loop/tools/confine.ts';
import {
  editFile,
  fileTools,
  listFiles,
  readFileTool,
  searchTool,
  writeFileTool,
} from '../../src/loop/tools/files.ts';
import { localSandbox, makeRepo, type Fixture } from './harness.ts';

let fx: Fixture;
let ctx: { root: string; outputsDir: string; sandbox: ReturnType<typeof localSandbox> };
beforeEach(() => {
  fx = makeRepo();
  ctx = { root: fx.worktree, outputsDir: path.join(fx.scratch, 'outputs'), sandbox: localSandbox(fx) };
});
afterEach(() => fx.cleanup());

describe('confinement to the worktree', () => {
  it('refuses .., absolute paths, symlinks leading out and .git', async () => {
    mkdirSync(path.join(fx.dir, 'outside'));
    writeFileSync(path.join(fx.dir, 'outside/secret.txt'), 'TOP SECRET');
    symlinkSync(path.join(fx.dir, 'outside'), path.join(fx.worktree, 'link'));
    expect(await confine(fx.worktree, '../outside/secret.txt')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('outside the repository'),
    });
    expect(await confine(fx.worktree, '/etc/passwd')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('absolute path'),
    });
    expect(await confine(fx.worktree, 'link/secret.txt')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('symlink'),
    });
    expect(await confine(fx.worktree, 'link/new-file.txt')).toMatchObject({ ok: false });
    expect(await confine(fx.worktree, '.git/config')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('.git'),
    });
    expect(await confine(fx.worktree, 'src/../src/greet.js')).toMatchObject({
      ok: true,
      rel: 'src/greet.js',
    });
    const read = await readFileTool.run(ctx, { path: 'link/secret.txt' });
    expect(read.ok).toBe(false);
    expect(read.text).not.toContain('TOP SECRET');
    const write = await writeFileTool.run(ctx, { path: '../outside/x.txt', content: 'x' });
    expect(write.ok).toBe(false);
  });

  it('refuses writes to protected, CI and credential paths with the reason', async () => {
    for (const p of [
      '.github/workflows/ci.yml',
      '.env',
      'vendor/lib.js',
      '.loopwright.yml',
      'certs/server.pem',
      'package-lock.json',
    ]) {
      const r = await writeFileTool.run(ctx, { path: p, content: 'x' });
      expect(r.ok, p).toBe(false);
      expect(r.text).toContain('refused');
    }
  });

  it('reads saved tool output by absolute path, nothing else outside', async () => {
    mkdirSync(ctx.outputsDir, { recursive: true });
    const saved = path.join(ctx.outputsDir, 'call_1.txt');
    writeFileSync(saved, 'line one\nline two');
    expect((await readFileTool.run(ctx, { path: saved })).text).toContain('2| line two');
    expect((await readFileTool.run(ctx, { path: path.join(fx.scratch, 'app.log') })).ok).toBe(false);
  });
});

describe('file tools', () => {
  it('edit_file says how to fix 0 and multiple occurrences', async () => {
    writeFileSync(path.join(fx.worktree, 'src/dup.js'), 'a\nx\nx\nx\n');
    const none = await editFile.run(ctx, { path: 'src/dup.js', old_string: 'nope', new_string: 'y' });
    expect(none.text).toContain('0 occurrences of old_string');
    expect(none.text).toContain('read the file again');
    const many = await editFile.run(ctx, { path: 'src/dup.js', old_string: 'x', new_string: 'y' });
    expect(many.ok).toBe(false);
    expect(many.text).toContain('3 occurrences');
    const all = await editFile.run(ctx, {
      path: 'src/dup.js',
      old_string: 'x',
      new_string: 'y',
      replace_all: true,
    });
    expect(all.text).toContain('3 replacements');
    expect(readFileSync(path.join(fx.worktree, 'src/dup.js'), 'utf8')).toBe('a\ny\ny\ny\n');
    // `$&` in new_string is literal text, not a replacement pattern.
    await editFile.run(ctx, { path: 'src/dup.js', old_string: 'a\n', new_string: 'cost = "$&"\n' });
    expect(readFileSync(path.join(fx.worktree, 'src/dup.js'), 'utf8')).toContain('cost = "$&"');
  });

  it('read_file pages with offset and limit; list_files and search filter by glob', async () => {
    writeFileSync(
      path.join(fx.worktree, 'long.txt'),
      Array.from({ length: 50 }, (_, i) => `line ${i + 1}`).join('\n'),
    );
    const page = await readFileTool.run(ctx, { path: 'long.txt', offset: 10, limit: 5 });
    expect(page.text).toContain('10| line 10');
    expect(page.text).toContain('lines 10–14 of 50');
    expect(page.text).not.toContain('line 15');
    const list = await listFiles.run(ctx, { glob: 'src/**' });
    expect(list.text).toContain('src/greet.js');
    expect(list.text).not.toContain('README.md');
    const hits = await searchTool.run(ctx, { pattern: 'greet\\(', glob: '**/*.test.js' });
    expect(hits.text).toContain('test/greet.test.js:6:');
    expect((await searchTool.run(ctx, { pattern: '(' })).text).toContain('not a valid regular expression');
  });
});

describe('OpenAI tools adapter', () => {
  it('turns zod inputs into JSON Schema function tools', () => {
    const specs = toOpenAITools(fileTools);
    const edit = specs.find((s) => s.function.name === 'edit_file')!;
    expect(edit.type).toBe('function');
    expect(edit.function.parameters).toMatchObject({
      type: 'object',
      properties: { path: { type: 'string' }, replace_all: { type: 'boolean' } },
      required: ['path', 'old_string', 'new_string'],
    });
    expect(edit.function.parameters).not.toHaveProperty('$schema');
  });

  it('returns fixable results for bad JSON, unknown tools, invalid arguments and timeouts', async () => {
    const slow = defineTool({
      name: 'slow',
      description: 'sleeps',
      kind: 'read',
      input: z.object({ ms: z.number() }),
      run: async (_ctx: unknown, input) =>
        new Promise((r) => setTimeout(() => r(toolResult('done')), input.ms)),
    });
    const registry = new ToolRegistry().add([slow], () => ({}));
    const call = (name: string, args: string) =>
      dispatchToolCall(registry, { id: 'c', name, arguments: args }, 100);
    expect((await call('slow', '{"ms": ')).response.text).toContain('not valid JSON');
    expect((await call('nope', '{}')).response.text).toContain('Unknown tool "nope". Available tools: slow');
    const invalid = await call('slow', '{"ms": "soon"}');
    expect(invalid.response.ok).toBe(false);
    expect(invalid.response.text).toMatch(/Invalid arguments for slow:[\s\S]*ms/);
    expect((await call('slow', '{"ms": 1000}')).response.text).toContain('did not finish within 100 ms');
    expect((await call('slow', '{"ms": 1}')).response.text).toContain('done');
  });
});
