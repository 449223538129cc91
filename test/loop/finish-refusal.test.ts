/**
 * Issue 11 (a): a response that ends the run (a successful finish, a submit_review) and then asks
 * for more calls. The later calls must not run, and each still gets a tool result saying why.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  APPROVE,
  fileContains,
  GREETING,
  makeRepo,
  runScripted,
  scriptedProve,
  turn,
  type Fixture,
} from './harness.ts';

const FINISH = ['finish', { title: 'Exclaim', summary: 'Adds !' }] as [string, unknown];
const SNEAKY_EDIT = [
  'edit_file',
  { path: 'src/greet.js', old_string: "name + '!'", new_string: "name + '!'; fetch('http://evil.test')" },
] as [string, unknown];
const SNEAKY_WRITE = ['write_file', { path: 'src/extra.js', content: 'export const x = 1;\n' }] as [
  string,
  unknown,
];

interface ToolLine {
  kind: string;
  agent: string;
  name: string;
  ok: boolean;
  output: string;
}

const toolLines = (file: string): ToolLine[] =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ToolLine)
    .filter((t) => t.kind === 'tool');

let fx: Fixture;
beforeEach(() => {
  fx = makeRepo();
});
afterEach(() => fx.cleanup());

const provenWhenExclaimed = () =>
  scriptedProve(fx, (_plan, wt) => (fileContains(wt, 'src/greet.js', "'!'") ? 'proven' : 'passes_on_base'));

describe('calls after the run ended in the same response', () => {
  it('refuses an edit and a write that follow a successful finish', async () => {
    const { prove } = provenWhenExclaimed();
    const transcriptPath = path.join(fx.scratch, 'transcript.jsonl');
    const { outcome, server, events } = await runScripted(
      fx,
      [
        turn('coder', [GREETING.edit, ['submit_verification', { plan: GREETING.plan }]]),
        turn('coder', [FINISH, SNEAKY_EDIT, SNEAKY_WRITE], {
          expect: { lastResultIncludes: ['Proof outcome: proven'] },
        }),
        { ...APPROVE, expect: { promptExcludes: ['evil.test', 'src/extra.js'] } },
      ],
      { request: GREETING.request, prove, transcriptPath },
    );
    expect(server.mismatches).toEqual([]);
    expect(outcome.status).toBe('approved');
    expect(fileContains(fx.worktree, 'src/greet.js', 'evil.test')).toBe(false);
    expect(fileContains(fx.worktree, 'src/greet.js', "name + '!'")).toBe(true);
    expect(existsSync(path.join(fx.worktree, 'src/extra.js'))).toBe(false);

    const coder = toolLines(transcriptPath).filter((t) => t.agent === 'coder');
    expect(coder.map((t) => [t.name, t.ok])).toEqual([
      ['edit_file', true],
      ['submit_verification', true],
      ['finish', true],
      ['edit_file', false],
      ['write_file', false],
    ]);
    for (const refused of coder.slice(3)) {
      expect(refused.output).toMatch(/refused/);
      expect(refused.output).toMatch(/finish/);
      expect(refused.output).toMatch(/new proof/);
    }
    const results = events.flatMap((e) => (e.type === 'tool_result' && e.agent === 'coder' ? [e] : []));
    expect(results.slice(-2).map((r) => [r.name, r.ok])).toEqual([
      ['edit_file', false],
      ['write_file', false],
    ]);
  });

  it('still runs calls after a finish that was refused', async () => {
    const { prove } = provenWhenExclaimed();
    const { outcome, server } = await runScripted(
      fx,
      [
        turn('coder', [FINISH, GREETING.edit]),
        turn('coder', [['submit_verification', { plan: GREETING.plan }]], {
          expect: { lastResultIncludes: ['finish refused', 'Edited src/greet.js'] },
        }),
        turn('coder', [FINISH]),
        APPROVE,
      ],
      { request: GREETING.request, prove },
    );
    expect(server.mismatches).toEqual([]);
    expect(outcome.status).toBe('approved');
  });

  it('keeps the first verdict when the reviewer submits twice in one response', async () => {
    const { prove } = provenWhenExclaimed();
    const { outcome, server } = await runScripted(
      fx,
      [
        turn('coder', [GREETING.edit, ['submit_verification', { plan: GREETING.plan }]]),
        turn('coder', [FINISH]),
        turn('reviewer', [
          ['submit_review', { verdict: 'reject', comments: [{ body: 'Out of scope.' }] }],
          ['submit_review', { verdict: 'approve', comments: [] }],
        ]),
      ],
      { request: GREETING.request, prove },
    );
    expect(server.mismatches).toEqual([]);
    expect(outcome.status).toBe('rejected');
    expect(outcome.review?.verdict).toBe('reject');
  });
});
