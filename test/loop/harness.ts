/**
 * Test harness for the loop: a real git repo in a temp dir, a small Sandbox port implementation
 * (commands via child_process in the worktree; no isolation — the real sandbox has its own tests),
 * a scripted `prove` port, and the replay server driven through the real `openai` client.
 */
import { spawn } from 'node:child_process';
import { git } from '../helpers/git.ts';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { VerificationPlan } from '../../src/browser/plan.ts';
import type { ProofResult } from '../../src/browser/types.ts';
import { budgetSchema, type Budgets } from '../../src/config/schema.ts';
import { readTargetSettings } from '../../src/config/target.ts';
import type { ProofOutcomeKind, TicketEvent } from '../../src/core/events.ts';
import { runTicketLoop, type LoopOutcome, type TicketLoopInput } from '../../src/loop/index.ts';
import { OpenAIChatModel } from '../../src/loop/llm/openai.ts';
import { REPLAY_MODELS, startReplayServer, type ReplayServer } from '../../src/loop/replay/server.ts';
import type { ScriptedTurn } from '../../src/loop/replay/trajectory.ts';
import type { ExecResult, Sandbox } from '../../src/sandbox/types.ts';
import { dirSandboxParts } from '../helpers/dir-sandbox.ts';

export const FIXTURE_FILES: Record<string, string> = {
  'AGENTS.md': '# Greeter\nPlain ES modules. Keep functions small.\n',
  '.loopwright.yml': 'checks:\n  - node --test test\nprotected:\n  - "vendor/**"\nroutes:\n  - /\n',
  'src/greet.js': "export function greet(name) {\n  return 'Hello, ' + name;\n}\n",
  'test/greet.test.js':
    "import { test } from 'node:test';\nimport assert from 'node:assert';\nimport { greet } from '../src/greet.js';\n\ntest('greets', () => {\n  assert.match(greet('Ada'), /Hello, Ada/);\n});\n\ntest('greets others', () => {\n  assert.match(greet('Bob'), /Bob/);\n});\n",
  'package.json':
    '{\n  "name": "greeter",\n  "type": "module",\n  "dependencies": {\n    "left-pad": "^1.3.0"\n  }\n}\n',
  'README.md': '# Greeter\n',
};

/**
 * The ticket most loop tests run on FIXTURE_FILES: the greeting gains an exclamation mark. `plan`
 * passes once it does; `edit` is the coder's `edit_file` call that makes the change.
 */
export const GREETING = {
  request: 'The greeting should end with an exclamation mark.',
  plan: {
    title: 'Greeting ends with !',
    steps: [
      { action: 'goto', url: '/' },
      { action: 'expect_text', target: { role: 'heading' }, text: 'Hello, Ada!' },
    ],
  },
  edit: [
    'edit_file',
    {
      path: 'src/greet.js',
      old_string: "return 'Hello, ' + name;",
      new_string: "return 'Hello, ' + name + '!';",
    },
  ] as [string, unknown],
};

export interface Fixture {
  dir: string;
  worktree: string;
  scratch: string;
  baseCommit: string;
  cleanup(): void;
}

export function makeRepo(files: Record<string, string> = FIXTURE_FILES): Fixture {
  const dir = mkdtempSync(path.join(tmpdir(), 'lw-loop-'));
  const worktree = path.join(dir, 'repo');
  const scratch = path.join(dir, 'scratch');
  mkdirSync(worktree);
  mkdirSync(scratch);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(worktree, rel)), { recursive: true });
    writeFileSync(path.join(worktree, rel), text);
  }
  git(worktree, 'init', '-q', '-b', 'main');
  git(worktree, 'add', '-A');
  git(worktree, 'commit', '-q', '-m', 'base');
  const baseCommit = git(worktree, 'rev-parse', 'HEAD').trim();
  return { dir, worktree, scratch, baseCommit, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A Sandbox port over a plain directory: a fake of the port for loop tests. */
export function localSandbox(fx: Fixture): Sandbox {
  const log: string[] = ['app started'];
  return {
    id: 'sbx-test',
    ticketId: 't-test',
    worktree: fx.worktree,
    branch: 'loopwright/t-test',
    baseBranch: 'main',
    baseCommit: fx.baseCommit,
    settings: readTargetSettings(fx.worktree),
    isolated: false,
    app: {
      url: 'http://127.0.0.1:9',
      port: 9,
      logPath: path.join(fx.scratch, 'app.log'),
      restart: async () => void log.push('app restarted'),
      stop: async () => undefined,
      tail: async (lines = 80) => log.slice(-lines).join('\n'),
    },
    browser: { executablePath: '/usr/bin/chromium', args: [] },
    scratchDir: fx.scratch,
    exec: (command, opts = {}) =>
      new Promise<ExecResult>((resolve) => {
        const started = performance.now();
        const child = spawn('bash', ['-c', command], {
          cwd: path.join(fx.worktree, opts.cwd ?? '.'),
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: fx.scratch },
        });
        let output = '';
        let timedOut = false;
        child.stdout.on('data', (d: Buffer) => (output += d.toString()));
        child.stderr.on('data', (d: Buffer) => (output += d.toString()));
        const timer = setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, opts.timeoutMs ?? 30_000);
        const kill = () => child.kill('SIGKILL');
        opts.signal?.addEventListener('abort', kill, { once: true });
        child.on('close', (code, signal) => {
          opts.signal?.removeEventListener('abort', kill);
          clearTimeout(timer);
          resolve({
            exitCode: code,
            signal,
            timedOut,
            durationMs: performance.now() - started,
            output,
            truncated: false,
          });
        });
      }),
    ...dirSandboxParts({
      gitDir: path.join(fx.worktree, '.git'),
      worktree: fx.worktree,
      scratch: fx.scratch,
      baseCommit: fx.baseCommit,
    }),
    teardown: async () => undefined,
  };
}

/**
 * A scripted proof port: `decide` sees the plan and the worktree and says the outcome, as the
 * real prover would after running the plan on base and head.
 */
export function scriptedProve(
  fx: Fixture,
  decide: (plan: VerificationPlan, worktree: string) => ProofOutcomeKind,
) {
  const plans: VerificationPlan[] = [];
  const prove = async (plan: VerificationPlan): Promise<ProofResult> => {
    plans.push(plan);
    const outcome = decide(plan, fx.worktree);
    const feedback =
      outcome === 'proven'
        ? 'Fails on the old code and passes twice on the new code.'
        : outcome === 'passes_on_base'
          ? 'The plan passes on the old code too, so it proves nothing: add an expectation that only the new behaviour meets.'
          : `The plan ${outcome}.`;
    const verdict = (ok: boolean) => (ok ? ('passed' as const) : ('failed' as const));
    return {
      outcome,
      feedback,
      plan,
      runs: [
        {
          label: 'base',
          appUrl: 'http://base',
          verdict: verdict(outcome === 'passes_on_base'),
          steps: [],
          durationMs: 1,
        },
        {
          label: 'head-1',
          appUrl: 'http://head',
          verdict: verdict(outcome === 'proven' || outcome === 'passes_on_base'),
          steps: [],
          durationMs: 1,
        },
      ],
      playwrightTest: '',
    };
  };
  return { prove, plans };
}

export const fileContains = (worktree: string, rel: string, text: string): boolean => {
  try {
    return readFileSync(path.join(worktree, rel), 'utf8').includes(text);
  } catch {
    return false;
  }
};

export const testBudgets = (over: Partial<Budgets> = {}): Budgets => ({
  ...budgetSchema.parse({}),
  toolTimeoutMs: 20_000,
  ...over,
});

export interface RunResult {
  outcome: LoopOutcome;
  events: TicketEvent[];
  server: ReplayServer;
}

/** Plays `turns` through the replay server and the real openai client into `runTicketLoop`. */
export async function runScripted(
  fx: Fixture,
  turns: ScriptedTurn[] | string,
  input: Partial<TicketLoopInput> & Pick<TicketLoopInput, 'prove' | 'request'>,
): Promise<RunResult> {
  const server = await startReplayServer({ trajectory: turns });
  try {
    const coder = new OpenAIChatModel({ model: REPLAY_MODELS.coder, baseURL: server.url, maxRetries: 3 });
    const reviewer = new OpenAIChatModel({
      model: REPLAY_MODELS.reviewer,
      baseURL: server.url,
      maxRetries: 3,
    });
    const events: TicketEvent[] = [];
    const run = runTicketLoop({
      ticketId: 't-test',
      sandbox: localSandbox(fx),
      coder,
      reviewer,
      budgets: testBudgets(),
      ...input,
    });
    for (;;) {
      const next = await run.next();
      if (next.done) return { outcome: next.value, events, server };
      events.push(next.value);
    }
  } finally {
    await server.close();
  }
}

/** Shorthand for a scripted turn. */
export const turn = (
  agent: ScriptedTurn['agent'],
  calls: [string, unknown][],
  extra: Partial<ScriptedTurn> = {},
): ScriptedTurn => ({
  agent,
  tool_calls: calls.map(([tool, args]) => ({ tool, args })),
  ...extra,
});

export const stages = (events: TicketEvent[]): string[] =>
  events.flatMap((e) => (e.type === 'stage' ? [e.stage] : []));

/** The reviewer's turn that approves without comments. */
export const APPROVE = turn('reviewer', [['submit_review', { verdict: 'approve', comments: [] }]]);

export { git };
