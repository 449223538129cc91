/**
 * One schema over env variables and the optional `loopwright.config.json` (STYLE.md 11). Parsed
 * once at the entry point; errors name the variable. Secrets are masked whenever config is printed.
 */
import { z } from 'zod';

const csv = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean));
const bool = z.union([z.boolean(), z.string()]).transform((v) => v === true || v === '1' || v === 'true');
const int = (def: number) => z.coerce.number().int().nonnegative().default(def);

export const budgetSchema = z.object({
  maxTurns: int(40),
  maxTokens: int(400_000),
  maxCostUsd: z.coerce.number().nonnegative().default(5),
  maxWallMs: int(20 * 60_000),
  toolTimeoutMs: int(120_000),
  maxReviewRounds: int(2),
  maxProofAttempts: int(3),
  /** When the history's estimated prompt tokens pass this, the oldest turns are compacted. */
  compactAtTokens: int(60_000),
});
export type Budgets = z.infer<typeof budgetSchema>;

export const stageTimeoutsSchema = z.object({
  preparingMs: int(5 * 60_000),
  codingMs: int(25 * 60_000),
  verifyingMs: int(10 * 60_000),
  reviewingMs: int(10 * 60_000),
  publishingMs: int(5 * 60_000),
});

/** USD per million tokens, per model name; a model not listed has no cost figure. */
export const priceSchema = z.record(
  z.string(),
  z.object({ input: z.number(), output: z.number(), cachedInput: z.number().optional() }),
);

const settingsSchema = z.object({
  home: z.string().default('./.loopwright'),
  port: z.coerce.number().int().min(0).max(65535).default(4700),
  host: z.string().optional(),
  publicUrl: z.string().url().optional(),
  uiToken: z.string().min(8, 'must be at least 8 characters').optional(),
  databaseUrl: z.string().optional(),
  /**
   * A PGlite data dir copied into a home that has no database yet, instead of initialising one
   * (initdb and the migrations cost several CPU seconds). For tests, benchmarks and anything else
   * that opens many fresh homes; it must come from the same Loopwright version.
   */
  dbTemplate: z.string().optional(),

  openaiApiKey: z.string().optional(),
  openaiBaseUrl: z.string().url().optional(),
  model: z.string().default('gpt-4.1'),
  reviewModel: z.string().optional(),
  vision: bool.default(false),
  prices: priceSchema.default({
    'gpt-4.1': { input: 2, output: 8, cachedInput: 0.5 },
    'gpt-4.1-mini': { input: 0.4, output: 1.6, cachedInput: 0.1 },
    'gpt-4o': { input: 2.5, output: 10, cachedInput: 1.25 },
    'gpt-4o-mini': { input: 0.15, output: 0.6, cachedInput: 0.075 },
  }),

  repo: z.string().optional(),
  baseBranch: z.string().default('main'),
  /** The name tickets show as their target; default: the repository's name (`targetNameOf`). */
  target: z.string().min(1).optional(),
  /** Several apps: name → { repo, baseBranch, githubRepo, slackChannels, … } (config/targets.ts). */
  targets: z.record(z.string(), z.unknown()).optional(),

  githubToken: z.string().optional(),
  githubApiUrl: z.string().url().default('https://api.github.com'),
  githubRepo: z
    .string()
    .regex(/^[\w.-]+\/[\w.-]+$/, 'must look like owner/name')
    .optional(),
  githubAppId: z.string().optional(),
  githubAppPrivateKey: z.string().optional(),
  githubInstallationId: z.string().optional(),
  githubWebhookSecret: z.string().optional(),
  githubReviewers: csv.default([]),
  githubBotHandle: z.string().default('loopwright'),
  gitAuthorName: z.string().default('Loopwright'),
  gitAuthorEmail: z.string().default('loopwright@users.noreply.github.com'),

  /** Evidence goes to this S3-compatible bucket instead of the evidence branch / local pages. */
  evidenceS3Bucket: z.string().optional(),
  /** Custom S3 endpoint (MinIO, R2, ...); credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. */
  evidenceS3Endpoint: z.string().url().optional(),
  evidenceS3Region: z.string().default('us-east-1'),
  evidenceS3Prefix: z.string().default('loopwright/'),
  /** Public base URL of the bucket (website, CDN); without it evidence links are presigned for 7 days. */
  evidencePublicUrl: z.string().url().optional(),

  slackBotToken: z.string().optional(),
  slackSigningSecret: z.string().optional(),
  slackAppToken: z.string().optional(),
  slackApiUrl: z.string().url().default('https://slack.com/api/'),
  triggerEmoji: z.string().default('robot_face'),
  slackChannels: csv.default([]),
  slackUsers: csv.default([]),
  slackAllowBots: bool.default(false),

  /** `bwrap` (default on Linux) or `none` (no isolation; warned about on every ticket). */
  sandbox: z.enum(['bwrap', 'none']).default('bwrap'),
  poolSize: int(1),
  poolIdleMs: int(10 * 60_000),
  keepFailedMs: int(60 * 60_000),
  sandboxMemoryMb: int(2048),
  sandboxMaxProcs: int(512),
  chromiumPath: z.string().optional(),
  workerConcurrency: z.coerce.number().int().min(1).default(1),
  /** How many reviewers (the general one and the owners') review one change at once. */
  reviewConcurrency: z.coerce.number().int().min(1).default(4),
  maxAttempts: z.coerce.number().int().min(1).default(3),
  /** Seconds a claimed ticket job stays claimed without a heartbeat before another worker may take it. */
  leaseSeconds: z.coerce.number().int().min(2).default(60),
  /** A scripted trajectory (JSONL) each ticket replays instead of calling a model (demo, tests). */
  trajectory: z.string().optional(),

  budgets: budgetSchema.default(budgetSchema.parse({})),
  stageTimeouts: stageTimeoutsSchema.default(stageTimeoutsSchema.parse({})),
});

export const configSchema = settingsSchema.transform((c) => ({
  ...c,
  target: c.target ?? targetNameOf(c),
}));

export type Config = z.infer<typeof configSchema>;

/**
 * The name of a target nobody named: its repository's (`LOOPWRIGHT_GITHUB_REPO`'s name, else the
 * last part of `LOOPWRIGHT_REPO` without `.git`), or `datadesk` for the bundled app. It names the
 * tickets' target and the local forge's repository, so it keeps to letters, digits, `.`, `_`, `-`.
 */
export function targetNameOf(c: { repo?: string; githubRepo?: string }): string {
  const source = c.githubRepo ?? c.repo?.replace(/[\\/]+$/, '');
  const last = source
    ?.split(/[\\/:]/)
    .at(-1)
    ?.replace(/\.git$/, '');
  const name = last?.replace(/[^\w.-]+/g, '-').replace(/^[.-]+/, '');
  return name || 'datadesk';
}

/** Env variable → config key. DESIGN.md §4 fixes the names in the first block. */
export const ENV_KEYS: Record<string, keyof Config> = {
  LOOPWRIGHT_HOME: 'home',
  LOOPWRIGHT_PORT: 'port',
  LOOPWRIGHT_PUBLIC_URL: 'publicUrl',
  LOOPWRIGHT_UI_TOKEN: 'uiToken',
  DATABASE_URL: 'databaseUrl',
  OPENAI_API_KEY: 'openaiApiKey',
  OPENAI_BASE_URL: 'openaiBaseUrl',
  LOOPWRIGHT_MODEL: 'model',
  LOOPWRIGHT_REVIEW_MODEL: 'reviewModel',
  LOOPWRIGHT_REPO: 'repo',
  LOOPWRIGHT_BASE_BRANCH: 'baseBranch',
  GITHUB_TOKEN: 'githubToken',
  GITHUB_API_URL: 'githubApiUrl',
  LOOPWRIGHT_GITHUB_REPO: 'githubRepo',
  SLACK_BOT_TOKEN: 'slackBotToken',
  SLACK_SIGNING_SECRET: 'slackSigningSecret',
  SLACK_APP_TOKEN: 'slackAppToken',
  SLACK_API_URL: 'slackApiUrl',
  LOOPWRIGHT_TRIGGER_EMOJI: 'triggerEmoji',
  LOOPWRIGHT_SLACK_CHANNELS: 'slackChannels',
  LOOPWRIGHT_SLACK_USERS: 'slackUsers',
  // Beyond DESIGN.md: operational knobs.
  LOOPWRIGHT_HOST: 'host',
  LOOPWRIGHT_TARGET: 'target',
  LOOPWRIGHT_VISION: 'vision',
  LOOPWRIGHT_SANDBOX: 'sandbox',
  LOOPWRIGHT_POOL_SIZE: 'poolSize',
  LOOPWRIGHT_CHROMIUM: 'chromiumPath',
  LOOPWRIGHT_WORKER_CONCURRENCY: 'workerConcurrency',
  LOOPWRIGHT_SLACK_ALLOW_BOTS: 'slackAllowBots',
  LOOPWRIGHT_TRAJECTORY: 'trajectory',
  LOOPWRIGHT_LEASE_SECONDS: 'leaseSeconds',
  LOOPWRIGHT_DB_TEMPLATE: 'dbTemplate',
  GITHUB_APP_ID: 'githubAppId',
  GITHUB_APP_PRIVATE_KEY: 'githubAppPrivateKey',
  GITHUB_APP_INSTALLATION_ID: 'githubInstallationId',
  GITHUB_WEBHOOK_SECRET: 'githubWebhookSecret',
  LOOPWRIGHT_GITHUB_REVIEWERS: 'githubReviewers',
  LOOPWRIGHT_GITHUB_BOT_HANDLE: 'githubBotHandle',
  LOOPWRIGHT_EVIDENCE_S3_BUCKET: 'evidenceS3Bucket',
  LOOPWRIGHT_EVIDENCE_S3_ENDPOINT: 'evidenceS3Endpoint',
  LOOPWRIGHT_EVIDENCE_S3_REGION: 'evidenceS3Region',
  LOOPWRIGHT_EVIDENCE_S3_PREFIX: 'evidenceS3Prefix',
  LOOPWRIGHT_EVIDENCE_PUBLIC_URL: 'evidencePublicUrl',
};

/** Keys whose values never print. */
export const SECRET_KEYS: readonly (keyof Config)[] = [
  'uiToken',
  'openaiApiKey',
  'githubToken',
  'githubAppPrivateKey',
  'githubWebhookSecret',
  'slackBotToken',
  'slackSigningSecret',
  'slackAppToken',
];
