/**
 * `eval reviewer [--suite DIR] [--tasks GLOB] [--models m] [--json]`: the reviewer agent alone on
 * each task's reference and wrong patches. A live model reviews every task; the model `replay`
 * plays each task's `trajectories/reviewer-replay.jsonl` (tasks without one are left out).
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../core/log.ts';
import { reviewPatches } from '../eval/reviewer.ts';
import { isReplayModel } from '../eval/run.ts';
import { BUNDLED_SUITE, loadSuite, type EvalTask } from '../eval/task.ts';
import { createChatModels } from '../loop/llm/openai.ts';
import { OpenAIChatModel } from '../loop/llm/openai.ts';
import { REPLAY_MODELS, startReplayServer } from '../loop/replay/server.ts';
import type { Flags } from './flags.ts';
import { repoCache } from './eval-common.ts';

export async function runEvalReviewer(config: Config, flags: Flags, log: Logger): Promise<number> {
  const tasks = loadSuite(flags.suite ?? BUNDLED_SUITE, flags.tasks);
  const model = flags.models?.split(',')[0]?.trim() || config.reviewModel || config.model;
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'lw-eval-reviewer-'));
  const modelFor = async (task: EvalTask) => {
    if (!isReplayModel(model)) {
      return { model: createChatModels({ ...config, reviewModel: model }).reviewer, close: async () => {} };
    }
    const script = task.trajectories[`reviewer-${model}`];
    if (!script) return undefined;
    const server = await startReplayServer({ trajectory: script });
    const chat = new OpenAIChatModel({
      model: REPLAY_MODELS.reviewer,
      baseURL: server.url,
      apiKey: 'replay',
      maxRetries: 1,
    });
    return { model: chat, close: () => server.close() };
  };
  console.error(`Reviewer eval: ${model} on ${tasks.length} task(s)`);
  const score = await reviewPatches(tasks, {
    config,
    repos: repoCache(config, log),
    modelFor,
    outDir,
    onCase: (c) =>
      console.error(`  ${c.task} ${c.patch}: ${c.verdict ?? `error ${c.error?.code}: ${c.error?.message}`}`),
  });
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  const refs = score.cases.filter((c) => c.kind === 'reference' && c.verdict).length;
  const wrongs = score.cases.filter((c) => c.kind === 'wrong' && c.verdict).length;
  console.error(
    `approves ${pct(score.approveRate)} of ${refs} correct change(s), catches ${pct(score.catchRate)} of ${wrongs} wrong one(s); transcripts in ${outDir}`,
  );
  if (flags.json) console.log(JSON.stringify({ model, ...score }));
  return score.cases.some((c) => c.error) ? 1 : 0;
}
