/**
 * Review wall time with 1, 2 and 4 owners, the reviewers side by side (reviewConcurrency 4) against
 * one after another (reviewConcurrency 1), interleaved in the same run. Each change touches every
 * owner's paths, so a round has the general reviewer plus one reviewer per owner. The reviewers are
 * scripted (the replay server, through the real openai client and the real read-only file tools):
 * each reads a file, then gives its verdict, every model turn answered after `LATENCY_MS` standing
 * in for a model's thinking time.
 *
 * Run: node_modules/.bin/node bench/review.bench.ts [reps=5] [latencyMs=400]
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { budgetSchema } from '../src/config/schema.ts';
import { BudgetTracker } from '../src/loop/budget.ts';
import { EventQueue } from '../src/loop/events.ts';
import { OpenAIChatModel } from '../src/loop/llm/openai.ts';
import { REPLAY_MODELS, startReplayServer } from '../src/loop/replay/server.ts';
import type { ScriptedTurn } from '../src/loop/replay/trajectory.ts';
import { ReviewPanel } from '../src/loop/review/panel.ts';
import { Transcript } from '../src/loop/transcript.ts';
import { ownersFromFiles } from '../src/owners/load.ts';
import { git, localSandbox, makeRepo, type Fixture } from '../test/loop/harness.ts';

const reps = Number(process.argv[2] ?? 5);
const LATENCY_MS = Number(process.argv[3] ?? 400);
const TEAMS = ['alpha', 'beta', 'gamma', 'delta'];

function stats(xs: number[]): { median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s.at(-1)! };
}
const fmt = (xs: number[]) => {
  const { median, min, max } = stats(xs);
  return `median ${median.toFixed(0)} ms (min–max ${min.toFixed(0)}–${max.toFixed(0)}, n=${xs.length})`;
};

/** A repo whose change touches `owners` teams' directories; returns it with the diff. */
function changeFor(owners: number): { fx: Fixture; diff: string; tree: string } {
  const files: Record<string, string> = { 'README.md': '# bench\n' };
  for (const team of TEAMS.slice(0, owners)) {
    files[`.loopwright/reviewers/${team}.md`] =
      `---\nname: ${team}\nglobs: ["src/${team}/**"]\n---\nRules of ${team}.\n`;
    files[`src/${team}/index.js`] = `export const ${team} = 1;\n`;
  }
  const fx = makeRepo(files);
  for (const team of TEAMS.slice(0, owners))
    git(fx.worktree, 'mv', `src/${team}/index.js`, `src/${team}/main.js`);
  git(fx.worktree, 'commit', '-qm', 'change');
  const tree = git(fx.worktree, 'rev-parse', 'HEAD^{tree}').trim();
  const diff = git(fx.worktree, 'diff', fx.baseCommit, 'HEAD');
  return { fx, diff, tree };
}

/** Each reviewer reads one file, then approves; every turn takes LATENCY_MS. */
function script(owners: number): ScriptedTurn[] {
  return ['general', ...TEAMS.slice(0, owners)].flatMap((reviewer): ScriptedTurn[] => [
    {
      agent: 'reviewer',
      reviewer,
      latencyMs: LATENCY_MS,
      tool_calls: [{ tool: 'read_file', args: { path: 'README.md' } }],
    },
    {
      agent: 'reviewer',
      reviewer,
      latencyMs: LATENCY_MS,
      tool_calls: [{ tool: 'submit_review', args: { verdict: 'approve', comments: [] } }],
    },
  ]);
}

async function reviewOnce(owners: number, concurrency: number): Promise<number> {
  const { fx, diff, tree } = changeFor(owners);
  const server = await startReplayServer({ trajectory: script(owners) });
  try {
    const sandbox = localSandbox(fx);
    const setup = ownersFromFiles(
      Object.fromEntries(
        TEAMS.slice(0, owners).map((t) => [
          `.loopwright/reviewers/${t}.md`,
          `---\nname: ${t}\nglobs: ["src/${t}/**"]\n---\nRules of ${t}.\n`,
        ]),
      ),
    );
    const model = new OpenAIChatModel({ model: REPLAY_MODELS.reviewer, baseURL: server.url, maxRetries: 0 });
    const panel = new ReviewPanel({ setup, gitDir: path.join(fx.worktree, '.git'), concurrency, model });
    const queue = new EventQueue();
    const started = performance.now();
    const run = panel.round({
      round: 1,
      tree,
      diff,
      request: 'Rename every index.js to main.js.',
      guardrails: [],
      files: { root: realpathSync(fx.worktree), outputsDir: path.join(fx.scratch, 'out'), sandbox },
      budget: new BudgetTracker(budgetSchema.parse({})),
      transcript: new Transcript(),
      signal: new AbortController().signal,
      toolTimeoutMs: 20_000,
      queue,
    });
    let next = await run.next();
    while (!next.done) next = await run.next();
    const ms = performance.now() - started;
    if (server.mismatches.length) throw new Error(server.mismatches[0]!.message);
    if (next.value.given.length !== owners + 1) throw new Error(`expected ${owners + 1} reviewers`);
    return ms;
  } finally {
    await server.close();
    fx.cleanup();
  }
}

async function main(): Promise<void> {
  console.log(
    `Review wall time, general reviewer + N owners, ${LATENCY_MS} ms per scripted model turn, 2 turns each, ${reps} reps interleaved`,
  );
  await reviewOnce(1, 4); // warm-up: module loading, first git calls
  for (const owners of [1, 2, 4]) {
    const concurrent: number[] = [];
    const serial: number[] = [];
    for (let i = 0; i < reps; i++) {
      concurrent.push(await reviewOnce(owners, 4));
      serial.push(await reviewOnce(owners, 1));
    }
    const ratio = stats(serial).median / stats(concurrent).median;
    console.log(`\n${owners} owner${owners > 1 ? 's' : ''} (${owners + 1} reviewers)`);
    console.log(`  side by side:       ${fmt(concurrent)}`);
    console.log(`  one after another:  ${fmt(serial)}`);
    console.log(`  one after another / side by side: ${ratio.toFixed(2)}×`);
  }
}

await main();
