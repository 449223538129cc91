import type { Config } from '../config/schema.ts';
import type { Logger } from '../core/log.ts';
import type { Flags } from './commands.ts';
export async function runEvalReviewer(_config: Config, _flags: Flags, _log: Logger): Promise<number> {
  return 2;
}
