/**
 * `loopwright eval validate|run|report|compare|reviewer` (DESIGN.md §4): the private eval suite.
 * Progress goes to stderr; with `--json` the last line of stdout is the result the issue fixes.
 */
import type { Config } from '../config/schema.ts';
import type { Logger } from '../core/log.ts';
import { BUNDLED_SUITE, loadSuite } from '../eval/task.ts';
import { validateTasks } from '../eval/validate.ts';
import { positiveInt, repoCache } from './eval-common.ts';
import type { Flags } from './flags.ts';

export const EVAL_USAGE = `loopwright eval validate [--suite DIR] [--tasks GLOB] [--concurrency N] [--json]
loopwright eval run [--suite DIR] [--models a,b] [--trials K] [--concurrency N] [--tasks GLOB] [--json]
loopwright eval report <run> [--html FILE]
loopwright eval compare <baseline run> <run>
loopwright eval reviewer [--suite DIR] [--tasks GLOB] [--json]`;

export async function runEval(config: Config, args: string[], flags: Flags, log: Logger): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'validate':
      return validate(config, flags, log);
    case 'run': {
      const { runEvalRun } = await import('./eval-run.ts');
      return runEvalRun(config, flags, log);
    }
    case 'report': {
      const { runEvalReport } = await import('./eval-report.ts');
      return runEvalReport(config, rest, flags);
    }
    case 'compare': {
      const { runEvalCompare } = await import('./eval-report.ts');
      return runEvalCompare(config, rest, flags);
    }
    case 'reviewer': {
      const { runEvalReviewer } = await import('./eval-reviewer.ts');
      return runEvalReviewer(config, flags, log);
    }
    default:
      console.error(`loopwright: eval needs a subcommand\n\n${EVAL_USAGE}`);
      return 2;
  }
}

async function validate(config: Config, flags: Flags, log: Logger): Promise<number> {
  const tasks = loadSuite(flags.suite ?? BUNDLED_SUITE, flags.tasks);
  const started = Date.now();
  console.error(`Validating ${tasks.length} task(s) from ${flags.suite ?? BUNDLED_SUITE}`);
  const verdicts = await validateTasks(tasks, {
    config,
    repos: repoCache(config, log),
    log,
    concurrency: positiveInt(flags.concurrency, 'concurrency', 1),
    onTask: (v, ms) =>
      console.error(
        `  ${v.admitted ? 'admitted' : 'REFUSED '} ${v.name} (${(ms / 1000).toFixed(1)} s)${v.reasons.map((r) => `\n      - ${r}`).join('')}`,
      ),
  });
  const admitted = verdicts.filter((v) => v.admitted).length;
  console.error(`${admitted}/${verdicts.length} admitted in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (flags.json) console.log(JSON.stringify({ tasks: verdicts }));
  return admitted === verdicts.length ? 0 : 1;
}
