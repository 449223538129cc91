/**
 * `loopwright owners <path>...`: who owns each path and which review rules apply, read from the
 * target's base branch exactly as a ticket's reviewers get them (the same mirror, the same commit),
 * so a team can check its reviewer files and CODEOWNERS before a ticket runs.
 */
import type { Config } from '../config/schema.ts';
import { CodedError, ErrorCode } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { ownersOf } from '../owners/codeowners.ts';
import { loadOwners, type OwnersSetup } from '../owners/load.ts';
import { ownersOfPath, type Owner } from '../owners/resolve.ts';
import { Mirror } from '../sandbox/workspace.ts';
import { openRuntime } from './runtime.ts';

export interface PathOwners {
  path: string;
  owners: (Owner & { codeownersLine?: number })[];
}

/** Each path's owners under `setup`, with the CODEOWNERS line that decided, if any. */
export function describeOwners(setup: OwnersSetup, paths: string[]): PathOwners[] {
  return paths.map((p) => {
    const path = p.replace(/^\.?\//, '');
    const line = setup.codeowners ? ownersOf(setup.codeowners, path).rule?.line : undefined;
    return {
      path,
      owners: ownersOfPath(setup, path).map((o) => ({
        ...o,
        ...(line && !o.rulesPath ? { codeownersLine: line } : {}),
      })),
    };
  });
}

/** The report as text lines. */
export function ownersReport(setup: OwnersSetup, where: string, paths: PathOwners[]): string[] {
  const out = [`Owners on ${where}${setup.commit ? ` (${setup.commit.slice(0, 12)})` : ''}:`];
  const file = setup.codeowners?.file;
  for (const p of paths) {
    out.push('', p.path, '  general (required): the general rules');
    for (const o of p.owners) {
      const how = [
        o.required ? 'required' : 'not required',
        ...(o.model ? [`model ${o.model}`] : []),
        ...(o.maxRounds ? [`at most ${o.maxRounds} rounds`] : []),
      ];
      const rules = o.rulesPath
        ? `rules in ${o.rulesPath}`
        : `the general rules (${file}:${o.codeownersLine ?? '?'}; no reviewer file names ${o.name})`;
      out.push(`  ${o.name} (${how.join(', ')}): ${rules}`);
    }
    if (!p.owners.length) out.push('  no owner: only the general reviewer reviews it');
  }
  if (setup.problems.length)
    out.push('', 'Problems (skipped; fix them on the base branch):', ...setup.problems.map((x) => `  ${x}`));
  return out;
}

export async function runOwners(
  config: Config,
  paths: string[],
  flags: { json?: boolean },
  log: Logger,
): Promise<number> {
  if (!paths.length) {
    throw new CodedError(ErrorCode.BadRequest, 'owners needs at least one path', {
      hint: 'loopwright owners src/query/parser.ts src/components/Header.tsx',
    });
  }
  const rt = await openRuntime(config, { log });
  try {
    const gitEnv = rt.forge.kind === 'github' ? await freshEnv(rt.forge) : rt.forge.gitEnv();
    const mirror = new Mirror(config.home, rt.forge.cloneUrl(), () => gitEnv);
    await mirror.sync();
    const commit = await mirror.commitOf(config.baseBranch);
    const setup = await loadOwners(mirror.dir, commit);
    const described = describeOwners(setup, paths);
    if (flags.json) console.log(JSON.stringify({ commit, paths: described, problems: setup.problems }));
    else for (const line of ownersReport(setup, config.baseBranch, described)) console.log(line);
    return 0;
  } finally {
    await rt.close();
  }
}

async function freshEnv(forge: object): Promise<Record<string, string>> {
  const prepare = (forge as { prepareGitEnv?: () => Promise<Record<string, string>> }).prepareGitEnv;
  return prepare ? await prepare.call(forge) : {};
}
