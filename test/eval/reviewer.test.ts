/**
 * `eval reviewer` on the bundled suite with the replay model: the reviewer agent alone, through the
 * real `openai` client and the replay server, reads clean checkouts of the patched trees (rooms
 * without dependencies) and its verdicts become the approve and catch rates.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DATADESK_DIR } from '../../src/cli/runtime.ts';
import { loadConfig } from '../../src/config/load.ts';
import { resolveTargets } from '../../src/config/targets.ts';
import { RepoCache } from '../../src/eval/repo.ts';
import { caseName, reviewPatches } from '../../src/eval/reviewer.ts';
import { BUNDLED_SUITE, loadSuite } from '../../src/eval/task.ts';
import { OpenAIChatModel } from '../../src/loop/llm/openai.ts';
import { REPLAY_MODELS, startReplayServer } from '../../src/loop/replay/server.ts';
import { isolationSkipReason } from '../sandbox/helpers.ts';

const root = mkdtempSync(path.join(os.tmpdir(), 'lw-eval-reviewer-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.skipIf(isolationSkipReason())('eval reviewer', () => {
  it('scores the reviewer on reference and wrong patches: approve rate and catch rate', async () => {
    const config = loadConfig({ cwd: root, env: { LOOPWRIGHT_HOME: path.join(root, 'home') } });
    const tasks = loadSuite(BUNDLED_SUITE, 'orders-sort-by-amount,revenue-average-order');
    const repos = new RepoCache({
      home: config.home,
      targets: resolveTargets(config),
      defaultSource: DATADESK_DIR,
    });
    const score = await reviewPatches(tasks, {
      config,
      repos,
      outDir: path.join(root, 'out'),
      modelFor: async (task) => {
        const server = await startReplayServer({ trajectory: task.trajectories['reviewer-replay']! });
        const model = new OpenAIChatModel({
          model: REPLAY_MODELS.reviewer,
          baseURL: server.url,
          apiKey: 'replay',
          maxRetries: 0,
        });
        return { model, close: () => server.close() };
      },
    });
    expect(score.cases.map((c) => [c.task, c.patch, c.verdict ?? c.error?.message])).toEqual([
      ['orders-sort-by-amount', 'reference.patch', 'approve'],
      ['orders-sort-by-amount', 'wrong/smallest-first.patch', 'request_changes'],
      ['orders-sort-by-amount', 'wrong/sorts-formatted-text.patch', 'approve'],
      ['revenue-average-order', 'reference.patch', 'approve'],
      ['revenue-average-order', 'wrong/ignores-region.patch', 'request_changes'],
      ['revenue-average-order', 'wrong/net-per-order.patch', 'request_changes'],
    ]);
    expect(score.approveRate).toBe(1);
    expect(score.catchRate).toBe(0.75);
    expect(caseName('/x/wrong/a.patch')).toBe('wrong-a');
  }, 120_000);
});
