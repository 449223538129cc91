/**
 * `loopwright eval` end to end, through the CLI: `validate` on a suite with one bundled task and
 * one broken task, then `run` with the replay model on the three bundled tasks that have scripted
 * trajectories — real tickets through the queue and the pipeline (bwrap sandboxes and rooms, real
 * Chromium, the local forge), then the hidden check on each published tree in a fresh room. Every
 * bucket comes out: resolved, unresolved with a false proof, no PR (out of budget), and an infra
 * error (the model endpoint answers 503 past every retry), which is reported but not scored.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrialRecord } from '../../src/eval/score.ts';
import { BUNDLED_SUITE } from '../../src/eval/task.ts';
import { launch, tempDir } from '../cli/process.ts';
import { datadeskUnavailable, warmDatadeskDeps } from '../helpers/datadesk.ts';
import { isolationSkipReason } from '../sandbox/helpers.ts';

const skip = isolationSkipReason() ?? datadeskUnavailable();
const SCRIPTED = [
  'revenue-legend-toggle',
  'orders-sort-by-amount',
  'notebooks-search',
  'revenue-average-order',
];

async function cli(args: string[], env: Record<string, string>, deadlineMs: number) {
  const p = launch(args, { env: { ...process.env, ...env } });
  const timer = setTimeout(() => p.child.kill('SIGTERM'), deadlineMs);
  const { code } = await p.closed;
  clearTimeout(timer);
  const last = p.stdout().trim().split('\n').at(-1) ?? '';
  return { code, last, output: p.output() };
}

/** Every file under `dir` (following no links), as text. */
function textsUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(jsonl?|patch|md|txt|ts|tsx)$/.test(e.name))
    .map((e) => readFileSync(path.join(e.parentPath, e.name), 'utf8'));
}

describe.skipIf(skip)('loopwright eval', () => {
  let world: ReturnType<typeof tempDir>;
  let env: Record<string, string>;

  beforeAll(async () => {
    world = tempDir('lw-eval-e2e-');
    env = { LOOPWRIGHT_HOME: path.join(world.home, 'home'), LOOPWRIGHT_LOG_LEVEL: 'warn' };
    // Installing Datadesk is not what this file tests (test/sandbox covers installs): start warm.
    await warmDatadeskDeps(env.LOOPWRIGHT_HOME!);
  }, 120_000);
  afterAll(() => world?.cleanup());

  it('validate admits a bundled task and refuses one whose reference does not apply', async () => {
    const suite = path.join(world.home, 'suite');
    mkdirSync(suite);
    cpSync(path.join(BUNDLED_SUITE, 'orders-sort-by-amount'), path.join(suite, 'orders-sort-by-amount'), {
      recursive: true,
    });
    const broken = path.join(suite, 'broken');
    mkdirSync(path.join(broken, 'hidden'), { recursive: true });
    writeFileSync(path.join(broken, 'task.yml'), 'request: Show the column count\ntarget: datadesk\n');
    cpSync(path.join(BUNDLED_SUITE, 'notebook-query-columns', 'hidden'), path.join(broken, 'hidden'), {
      recursive: true,
    });
    writeFileSync(
      path.join(broken, 'reference.patch'),
      'diff --git a/nope.ts b/nope.ts\n--- a/nope.ts\n+++ b/nope.ts\n@@ -1 +1 @@\n-a\n+b\n',
    );

    const r = await cli(['eval', 'validate', '--suite', suite, '--concurrency', '2', '--json'], env, 420_000);
    expect(r.code, r.output).toBe(1);
    const { tasks } = JSON.parse(r.last) as {
      tasks: { name: string; admitted: boolean; reasons: string[] }[];
    };
    expect(tasks.map((t) => t.name)).toEqual(['broken', 'orders-sort-by-amount']);
    expect(tasks[1], r.output).toEqual({ name: 'orders-sort-by-amount', admitted: true, reasons: [] });
    expect(tasks[0]!.admitted).toBe(false);
    expect(tasks[0]!.reasons.join('\n')).toMatch(/no wrong\/\*\.patch/);
    expect(tasks[0]!.reasons.join('\n')).toMatch(/reference\.patch does not apply/);
  }, 480_000);

  it('run scores scripted trials into every bucket and stores the run', async () => {
    const r = await cli(
      [
        'eval',
        'run',
        '--models',
        'replay',
        '--tasks',
        SCRIPTED.join(','),
        '--trials',
        '1',
        '--concurrency',
        '2',
        '--json',
      ],
      env,
      900_000,
    );
    // The run finished, but one trial says nothing about the model: exit 1, and say which.
    expect(r.code, r.output).toBe(1);
    expect(r.output).toMatch(
      /1 trial\(s\) hit an infrastructure error[^]*revenue-average-order × replay #1: model_error/,
    );
    const result = JSON.parse(r.last) as {
      runId: string;
      dir: string;
      models: Record<string, Record<string, unknown>>;
    };
    expect(result.models.replay, r.output).toMatchObject({
      trials: 4,
      resolved: 1,
      unresolved: 1,
      noPr: 1,
      infraError: 1,
      falseProofs: 1,
      pass1: 0.3333,
      passAtK: 0.3333,
      passHatK: 0.3333,
    });
    expect(r.output).toMatch(/orders-sort-by-amount × replay #1: checking/);

    const lines = readFileSync(path.join(result.dir, 'trials.jsonl'), 'utf8').trim().split('\n');
    const trials = lines.map((l) => JSON.parse(l) as TrialRecord);
    for (const line of lines)
      expect(Object.keys(JSON.parse(line) as object).slice(0, 8)).toEqual([
        'task',
        'model',
        'trial',
        'bucket',
        'falseProof',
        'ticketId',
        'usage',
        'timings',
      ]);
    const by = Object.fromEntries(trials.map((t) => [t.task, t]));
    expect(by['revenue-legend-toggle']).toMatchObject({
      bucket: 'resolved',
      falseProof: false,
      model: 'replay',
      trial: 1,
    });
    expect(by['orders-sort-by-amount']).toMatchObject({
      bucket: 'unresolved',
      falseProof: true,
      error: { code: 'hidden_check_failed' },
    });
    expect(by['notebooks-search']).toMatchObject({
      bucket: 'no_pr',
      falseProof: false,
      error: { code: 'budget_exceeded' },
    });
    // Every attempt met the outage; the trial says so and is left out of pass@1 above (1 of 3).
    expect(by['revenue-average-order']).toMatchObject({
      bucket: 'infra_error',
      falseProof: false,
      error: { code: 'model_error' },
    });
    expect(by['revenue-average-order']!.error!.message).toMatch(/503/);
    expect(by['revenue-legend-toggle']!.timings.hiddenCheckMs).toBeGreaterThan(0);
    expect(by['revenue-legend-toggle']!.usage.promptTokens).toBeGreaterThan(0);
    expect(by['revenue-legend-toggle']!.turns!.coder).toBeGreaterThan(2);
    expect(by['revenue-legend-toggle']!.turns!.reviewer).toBeGreaterThan(0);
    expect(by['revenue-average-order']!.turns).toEqual({ coder: 0, reviewer: 0 });
    // Media, diff, transcript and the replayable trajectory of the resolved trial are linked.
    for (const key of ['gif', 'video', 'diff', 'transcript', 'trajectory'])
      expect(
        existsSync(path.join(result.dir, by['revenue-legend-toggle']!.links?.[key] ?? 'missing')),
        key,
      ).toBe(true);
    // The run is a record: its files are read-only.
    expect(statSync(path.join(result.dir, 'trials.jsonl')).mode & 0o222).toBe(0);

    // The hidden checks never reached the agents: no transcript, diff or manifest holds them.
    const secrets = [
      'sorts the recent orders by amount, largest first',
      'hides its line, and clicking it again shows it',
    ];
    const evidence = trials.flatMap((t) =>
      textsUnder(path.join(env.LOOPWRIGHT_HOME!, 'evidence', t.ticketId)),
    );
    expect(evidence.length).toBeGreaterThan(0);
    // The out-of-budget agent searched its whole sandbox for them (the shell answered, hunt-42).
    const hunter = textsUnder(path.join(env.LOOPWRIGHT_HOME!, 'evidence', by['notebooks-search']!.ticketId));
    expect(hunter.some((text) => text.includes('hunt-42'))).toBe(true);
    for (const s of secrets)
      expect(
        evidence.some((text) => text.includes(s)),
        s,
      ).toBe(false);

    const report = await cli(
      ['eval', 'report', result.runId, '--html', path.join(world.home, 'report.html')],
      env,
      60_000,
    );
    expect(report.code, report.output).toBe(0);
    expect(report.output).toMatch(/orders-sort-by-amount\s+✗\*/);
    expect(report.output).toMatch(/revenue-average-order\s+!/);
    const html = readFileSync(path.join(world.home, 'report.html'), 'utf8');
    expect(html).toContain('head.gif');
    const compare = await cli(['eval', 'compare', result.runId, result.runId], env, 60_000);
    expect(compare.code, compare.output).toBe(0);
    expect(compare.output).toContain('no regressions');
  }, 960_000);
});
