/** `eval report <run> [--html FILE]` and `eval compare <baseline> <run>`. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.ts';
import { CodedError, ErrorCode } from '../core/errors.ts';
import { compareRuns, renderCompare, renderHtml, renderTable } from '../eval/report.ts';
import { readRun } from '../eval/store.ts';
import type { Flags } from './flags.ts';

export async function runEvalReport(config: Config, args: string[], flags: Flags): Promise<number> {
  const [id] = args;
  if (!id)
    throw new CodedError(ErrorCode.BadRequest, 'eval report needs a run id', {
      hint: 'loopwright eval report <run id> [--html FILE]',
    });
  const run = readRun(config.home, id);
  console.log(renderTable(run));
  if (flags.html) {
    const file = path.resolve(flags.html);
    // Links stay relative to the page, so the page and the run directory can move together.
    writeFileSync(
      file,
      renderHtml(run, (rel) => path.relative(path.dirname(file), path.join(run.dir, rel))),
    );
    console.error(`HTML report: ${file}`);
  }
  return 0;
}

export async function runEvalCompare(config: Config, args: string[], flags: Flags): Promise<number> {
  const [a, b] = args;
  if (!a || !b)
    throw new CodedError(ErrorCode.BadRequest, 'eval compare needs two run ids', {
      hint: 'loopwright eval compare <baseline run> <run>',
    });
  const baseline = readRun(config.home, a);
  const run = readRun(config.home, b);
  console.log(renderCompare(baseline, run));
  const rows = compareRuns(baseline, run);
  if (flags.json) console.log(JSON.stringify({ baseline: baseline.id, run: run.id, rows }));
  return rows.some((r) => r.regression) ? 1 : 0;
}
