/** What the `eval` subcommands share: the repositories of a suite's tasks, and flag parsing. */
import type { Config } from '../config/schema.ts';
import { resolveTargets } from '../config/targets.ts';
import { CodedError, ErrorCode } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { warmDeps } from '../eval/deps.ts';
import { RepoCache } from '../eval/repo.ts';
import { DATADESK_DIR } from './runtime.ts';

export function repoCache(config: Config, log?: Logger): RepoCache {
  return new RepoCache({
    home: config.home,
    targets: resolveTargets(config),
    defaultSource: DATADESK_DIR,
    prepare: (repo, base) => warmDeps(config, repo, base, log),
  });
}

export const positiveInt = (value: string | undefined, flag: string, fallback: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new CodedError(
      ErrorCode.BadRequest,
      `--${flag} must be a whole number of 1 or more, not "${value}"`,
    );
  return n;
};
