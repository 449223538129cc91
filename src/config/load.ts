/** Loads config: defaults ← loopwright.config.json ← env ← flags (STYLE.md 11). */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CodedError, ErrorCode } from '../core/errors.ts';
import { registerSecret } from '../core/redact.ts';
import { resolveTargets } from './targets.ts';
import { ENV_KEYS, SECRET_KEYS, configSchema, type Config } from './schema.ts';

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Path of the config file; default `loopwright.config.json` in cwd, or `LOOPWRIGHT_CONFIG`. */
  file?: string;
  flags?: Partial<Record<keyof Config, unknown>>;
  cwd?: string;
}

const keyToEnv = Object.fromEntries(Object.entries(ENV_KEYS).map(([env, key]) => [key, env])) as Record<
  string,
  string
>;

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const file = opts.file ?? env.LOOPWRIGHT_CONFIG ?? path.join(cwd, 'loopwright.config.json');
  let fromFile: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new CodedError(
        ErrorCode.ConfigInvalid,
        `${file} is not valid JSON: ${(error as Error).message}`,
        {
          hint: 'fix the file or remove it',
        },
      );
    }
  } else if (opts.file || env.LOOPWRIGHT_CONFIG) {
    throw new CodedError(ErrorCode.ConfigInvalid, `config file ${file} does not exist`);
  }
  const fromEnv: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value !== undefined && value !== '') fromEnv[key] = value;
  }
  const merged = { ...fromFile, ...fromEnv, ...stripUndefined(opts.flags ?? {}) };
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '');
      const where = keyToEnv[key]
        ? `${keyToEnv[key]} (config key "${issue.path.join('.')}")`
        : issue.path.join('.');
      return `  ${where}: ${issue.message}`;
    });
    throw new CodedError(ErrorCode.ConfigInvalid, `invalid configuration:\n${lines.join('\n')}`, {
      hint: 'fix the variables above (env or loopwright.config.json)',
    });
  }
  const config = parsed.data;
  config.home = path.resolve(cwd, config.home);
  // Targets are checked here, at start-up; the default target's name becomes `config.target`.
  config.target = resolveTargets(config)[0]!.name;
  for (const key of SECRET_KEYS) registerSecret(config[key] as string | undefined);
  return config;
}

/** Config with every secret replaced by `***`, for `doctor`, logs and the status page. */
export function maskConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  for (const key of SECRET_KEYS) if (out[key]) out[key] = '***';
  if (out.databaseUrl)
    out.databaseUrl = String(out.databaseUrl).replace(/:\/\/([^:@/]+):[^@/]+@/, '://$1:***@');
  return out;
}

function stripUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** What the model, Slack and GitHub integrations are set to; `off` when absent. */
export const integrations = (c: Config) => ({
  model: c.openaiApiKey || c.openaiBaseUrl ? 'on' : 'off',
  slack: c.slackBotToken && (c.slackSigningSecret || c.slackAppToken) ? 'on' : 'off',
  github: c.githubRepo && (c.githubToken || c.githubAppId) ? 'on' : 'off',
});
