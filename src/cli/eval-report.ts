import type { Config } from '../config/schema.ts';
import type { Flags } from './commands.ts';
export async function runEvalReport(_config: Config, _args: string[], _flags: Flags): Promise<number> {
  return 2;
}
export async function runEvalCompare(_config: Config, _args: string[], _flags: Flags): Promise<number> {
  return 2;
}
