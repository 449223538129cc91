/**
 * `eval run`: opens the runtime (store, queue, targets) and a worker of `--concurrency` slots in
 * this process, then runs the suite's trials through the queue (other workers on the same Postgres
 * take trials too). A line per trial event goes to stderr; `--json` prints the fixed result line.
 */
import type { Config } from '../config/schema.ts';
import { resolveTargets } from '../config/targets.ts';
import type { Logger } from '../core/log.ts';
import { isReplayModel, runEvalSuite, type TrialSpec } from '../eval/run.ts';
import type { TrialRecord } from '../eval/score.ts';
import { BUNDLED_SUITE, loadSuite } from '../eval/task.ts';
import type { Flags } from './flags.ts';
import { positiveInt, repoCache } from './eval-common.ts';
import { DATADESK_DIR, openRuntime, startRuntimeWorker } from './runtime.ts';

export async function runEvalRun(config: Config, flags: Flags, log: Logger): Promise<number> {
  const suite = flags.suite ?? BUNDLED_SUITE;
  const tasks = loadSuite(suite, flags.tasks);
  const models = (flags.models ?? config.model)
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  const trials = positiveInt(flags.trials, 'trials', 1);
  const concurrency = positiveInt(flags.concurrency, 'concurrency', 1);
  const scriptedOnly = models.every(isReplayModel);
  const rt = await openRuntime(
    { ...config, poolSize: 0, workerConcurrency: concurrency },
    { log, scriptedFallback: scriptedOnly },
  );
  const started = Date.now();
  try {
    // `--concurrency` slots: the runtime's workerConcurrency, set above.
    const worker = await startRuntimeWorker(rt, log, { selfCheck: false });
    try {
      console.error(
        `Eval: ${tasks.length} task(s) × ${models.join(', ')} × ${trials} trial(s), ${concurrency} at a time`,
      );
      const sources = { home: config.home, targets: resolveTargets(config), defaultSource: DATADESK_DIR };
      const outcome = await runEvalSuite(
        {
          config: rt.config,
          store: rt.tickets.store,
          repos: repoCache(config, log),
          sources,
          forgeOf: (target) => {
            const forge = target ? rt.forTarget(target).forge : rt.forge;
            return { url: forge.cloneUrl(), env: forge.gitEnv() };
          },
          log,
        },
        { suite, tasks, models, trials, concurrency },
        { onTrial: (spec, state, ticket) => console.error(progressLine(spec, state, ticket?.id, started)) },
      );
      for (const s of outcome.skipped) console.error(`  skipped ${s}`);
      console.error(
        `Run ${outcome.runId} in ${((Date.now() - started) / 1000).toFixed(1)} s — ${outcome.dir}`,
      );
      for (const [model, s] of Object.entries(outcome.models)) {
        console.error(
          `  ${model}: pass@1 ${s.pass1} [${s.pass1Ci95.join(', ')}] · resolved ${s.resolved}, unresolved ${s.unresolved}, no PR ${s.noPr}, infra ${s.infraError} · false proofs ${s.falseProofs}`,
        );
      }
      console.error(`  report: loopwright eval report ${outcome.runId} --html report.html`);
      const broken = outcome.trials.filter((t) => t.bucket === 'infra_error');
      if (broken.length) console.error(infraNote(broken));
      if (flags.json)
        console.log(JSON.stringify({ runId: outcome.runId, dir: outcome.dir, models: outcome.models }));
      return broken.length ? 1 : 0;
    } finally {
      await worker.stop({ graceMs: 5_000 });
    }
  } finally {
    await rt.close();
  }
}

function progressLine(spec: TrialSpec, state: string, ticketId: string | undefined, started: number): string {
  const at = `${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s`;
  return `  [${at}] ${spec.task.name} × ${spec.model} #${spec.trial}: ${state}${ticketId ? ` (${ticketId})` : ''}`;
}

/** Why the run exits 1 although it finished: some trials say nothing about the model. */
function infraNote(broken: TrialRecord[]): string {
  const lines = broken.map(
    (t) =>
      `    ${t.task} × ${t.model} #${t.trial}: ${t.error?.code ?? 'infra_error'}: ${(t.error?.message ?? '').slice(0, 200)}`,
  );
  const tasks = [...new Set(broken.map((t) => t.task))].join(',');
  return [
    `  ${broken.length} trial(s) hit an infrastructure error and are left out of the score:`,
    ...lines,
    `  fix what broke, then run them again: loopwright eval run --tasks ${tasks} …`,
  ].join('\n');
}
