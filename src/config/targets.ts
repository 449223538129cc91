/**
 * Targets: the apps one Loopwright works on. `targets` in loopwright.config.json names each app's
 * repo, base branch, GitHub repo and Slack channels (DESIGN.md §4), with optional per-target
 * budgets, model, reviewers and pool size. The single-target variables (LOOPWRIGHT_REPO, …) keep
 * working and define the target named by LOOPWRIGHT_TARGET, so a one-app deployment is unchanged.
 * Everything downstream sees one target as a plain `Config` (`configForTarget`).
 */
import { z } from 'zod';
import { CodedError, ErrorCode } from '../core/errors.ts';
import { budgetSchema, type Config } from './schema.ts';

const NAME = /^[\w.-]{1,64}$/;
const channels = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean));

export const targetDefSchema = z
  .object({
    repo: z.string({ error: 'is required: a git URL or a path' }).min(1, 'is required: a git URL or a path'),
    baseBranch: z.string().min(1).default('main'),
    githubRepo: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, 'must look like owner/name')
      .optional(),
    slackChannels: channels.default([]),
    budgets: budgetSchema.partial().optional(),
    model: z.string().min(1).optional(),
    reviewModel: z.string().min(1).optional(),
    /** GitHub users or org/team slugs asked to review this target's PRs. */
    reviewers: channels.optional(),
    poolSize: z.coerce.number().int().nonnegative().optional(),
    /** A scripted trajectory this target's tickets replay instead of a model (demo, tests). */
    trajectory: z.string().min(1).optional(),
  })
  .strict();

/** One target, resolved: a name and its settings. */
export interface Target {
  name: string;
  repo?: string;
  baseBranch: string;
  githubRepo?: string;
  slackChannels: string[];
  budgets?: Partial<Config['budgets']>;
  model?: string;
  reviewModel?: string;
  reviewers?: string[];
  poolSize?: number;
  trajectory?: string;
  /** Where its settings come from, for errors: `targets.<name>` or the env variables. */
  setting: string;
}

/**
 * The name of the target the single-target settings (LOOPWRIGHT_REPO, …) define. Every place that
 * names that target asks here, so the naming rule lives in one function.
 */
export function envTargetName(config: Pick<Config, 'target'>): string {
  return config.target;
}

const invalid = (message: string, hint: string) => new CodedError(ErrorCode.ConfigInvalid, message, { hint });

/** Parses `targets` from the config file, naming the setting of every problem. */
function fileTargets(raw: unknown): Target[] {
  if (raw === undefined) return [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalid(
      'targets must be an object of name → { repo, baseBranch, githubRepo, slackChannels }',
      'fix targets in loopwright.config.json',
    );
  }
  const out: Target[] = [];
  for (const [name, def] of Object.entries(raw)) {
    if (!NAME.test(name))
      throw invalid(
        `targets.${name}: a target name is 1–64 letters, digits, . _ -`,
        'rename the target in loopwright.config.json',
      );
    const parsed = targetDefSchema.safeParse(def);
    if (!parsed.success) {
      const lines = parsed.error.issues.map(
        (i) => `  targets.${name}.${i.path.join('.') || '(root)'}: ${i.message}`,
      );
      throw invalid(
        `invalid target "${name}":\n${lines.join('\n')}`,
        'fix the fields above in loopwright.config.json',
      );
    }
    out.push({ name, ...parsed.data, setting: `targets.${name}` });
  }
  return out;
}

/**
 * Every target of this deployment, the default first (the one submissions without a target get).
 * Throws `config_invalid` naming the setting and the fix: a bad `targets` entry, a default that
 * names no target, two targets claiming one Slack channel.
 */
export function resolveTargets(config: Config): Target[] {
  const listed = fileTargets(config.targets);
  const envName = envTargetName(config);
  const fromEnv: Target = {
    name: envName,
    repo: config.repo,
    baseBranch: config.baseBranch,
    githubRepo: config.githubRepo,
    slackChannels: config.slackChannels,
    setting: 'LOOPWRIGHT_REPO',
  };
  let targets: Target[];
  if (listed.length === 0) targets = [fromEnv];
  else if (config.repo) targets = [fromEnv, ...listed.filter((t) => t.name !== envName)];
  else targets = listed;
  const names = targets.map((t) => t.name);
  const fallback = !config.repo && listed.length > 0 && !names.includes(envName);
  if (fallback && envName !== 'datadesk') {
    throw invalid(
      `LOOPWRIGHT_TARGET (or --target) is "${envName}", which is not a target; the targets are: ${names.join(', ')}`,
      `use one of those names, or add "${envName}" to targets in loopwright.config.json`,
    );
  }
  const chosen = fallback ? names[0]! : envName;
  targets.sort((a, b) => Number(b.name === chosen) - Number(a.name === chosen));
  checkChannels(targets);
  return targets;
}

/** A Slack channel routes to one target; two claiming it is a start-up error. */
function checkChannels(targets: Target[]): void {
  const owner = new Map<string, Target>();
  for (const t of targets) {
    for (const channel of t.slackChannels) {
      const other = owner.get(channel);
      if (other) {
        throw invalid(
          `${other.setting}.slackChannels and ${t.setting}.slackChannels both claim Slack channel ${channel}`,
          `a channel routes to one target: remove ${channel} from one of them (a mention naming the target, "@loopwright ${t.name}: …", still reaches the other)`,
        );
      }
      owner.set(channel, t);
    }
  }
}

/** The target a name picks, or `config_invalid` naming the known ones. */
export function findTarget(targets: Target[], name: string, setting = '--target'): Target {
  const found = targets.find((t) => t.name === name);
  if (found) return found;
  throw invalid(
    `${setting} names "${name}", which is not a target; the targets are: ${targets.map((t) => t.name).join(', ')}`,
    `use one of those names, or add "${name}" to targets in loopwright.config.json`,
  );
}

/** The config one target's parts see: its repo, branch, GitHub repo, channels, budgets and model. */
export function configForTarget(config: Config, target: Target): Config {
  return {
    ...config,
    target: target.name,
    repo: target.repo,
    baseBranch: target.baseBranch,
    githubRepo: target.githubRepo,
    slackChannels: target.slackChannels,
    budgets: { ...config.budgets, ...target.budgets },
    model: target.model ?? config.model,
    reviewModel: target.reviewModel ?? config.reviewModel,
    githubReviewers: target.reviewers ?? config.githubReviewers,
    poolSize: target.poolSize ?? config.poolSize,
    trajectory: target.trajectory ?? config.trajectory,
  };
}
