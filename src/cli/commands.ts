/** The commands behind `loopwright <command>`; each returns the process exit code. */
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { configForTarget, findTarget, resolveTargets } from '../config/targets.ts';
import { asCodedError, CodedError, ErrorCode } from '../core/errors.ts';
import { logger } from '../core/log.ts';
import { runDemo, runOne } from './run.ts';
import { runStart, runWorkerOnly } from './serve.ts';
import type { Flags } from './flags.ts';
import { runStatus, runSubmit } from './submit.ts';

const log = logger('cli');

export async function runCommand(command: string, args: string[], flags: Flags): Promise<number> {
  let config: Config;
  try {
    config = loadConfig();
    // `--target` picks one of the configured targets for this command (submit, run, status): the
    // command then sees that target as the deployment's own.
    if (flags.target) config = configForTarget(config, findTarget(resolveTargets(config), flags.target));
  } catch (error) {
    return fail(error);
  }
  const text = args.join(' ').trim();
  try {
    switch (command) {
      case 'start':
        return await runStart(config, { worker: !flags['no-worker'], log });
      case 'worker':
        return await runWorkerOnly(config, { log });
      case 'submit':
        return await runSubmit(config, needText(text, 'submit'), flags);
      case 'run':
        return await runOne(config, needText(text, 'run'), flags, log);
      case 'demo':
        return await runDemo(config, flags, log);
      case 'status':
        return await runStatus(config, flags);
      case 'eval': {
        const { runEval } = await import('./eval.ts');
        return await runEval(config, args, flags, log);
      }
      case 'owners': {
        const { runOwners } = await import('./owners.ts');
        return await runOwners(config, args, flags, log);
      }
      case 'doctor': {
        const { runDoctor } = await import('./doctor.ts');
        return await runDoctor({ config, fix: flags.fix, quiet: flags.quiet });
      }
      default:
        console.error(`loopwright: unknown command "${command}" (try --help)`);
        return 2;
    }
  } catch (error) {
    return fail(error);
  }
}

function needText(text: string, command: string): string {
  if (!text) {
    throw new CodedError(ErrorCode.BadRequest, `${command} needs the request text`, {
      hint: `loopwright ${command} "On the revenue dashboard, clicking a legend entry should hide that line"`,
    });
  }
  return text;
}

/** Prints what went wrong and what to do about it. */
export function fail(error: unknown): number {
  const e = asCodedError(error);
  console.error(
    `loopwright: ${e.describe()}${e.code === ErrorCode.Internal && process.env.LOOPWRIGHT_DEBUG ? `\n${e.stack}` : ''}`,
  );
  return 1;
}
