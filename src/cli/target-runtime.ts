/**
 * One target's parts: its forge (GitHub when configured, else the local forge), its sandbox pool
 * and mirror, its model, wired into a pipeline. A deployment with several targets opens one of
 * these per target, each with that target's own view of the config (config/targets.ts).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Config } from '../config/schema.ts';
import type { Target } from '../config/targets.ts';
import { CodedError, ErrorCode } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import {
  createS3EvidenceStore,
  s3EvidenceConfigOf,
  withEvidenceStore,
  type S3EvidenceStore,
} from '../forge/evidence-s3.ts';
import { createGitHubForge, githubEnabled } from '../forge/github.ts';
import { LocalForge } from '../forge/local.ts';
import type { Forge } from '../forge/types.ts';
import { createSandboxProvider, type SandboxProvider } from '../sandbox/index.ts';
import type { Tickets } from '../tickets/index.ts';
import type { LoopRunner, PipelineDeps } from '../tickets/pipeline.ts';
import type { WebForge } from '../web/types.ts';

const execFileP = promisify(execFile);

export interface TargetRuntime {
  target: Target;
  config: Config;
  forge: Forge;
  /** Set when the forge is the local one (PR pages, merge). */
  localForge?: LocalForge;
  /** Built on first use (web-only processes never build sandboxes). */
  pipeline(): Omit<PipelineDeps, 'store'>;
  close(): Promise<void>;
}

export interface TargetRuntimeOptions {
  tickets: Tickets;
  publicUrl: string;
  log: Logger;
  /** The repo a target without one starts from (the bundled Datadesk). */
  defaultSource: string;
  model: (config: Config) => { runLoop: LoopRunner; scripted: boolean } | CodedError;
}

/**
 * Whether a target's repo answers: a path must exist, a URL must answer `git ls-remote`. A start-up
 * error that names the setting beats a first ticket failing at its clone.
 */
export async function checkRepoReachable(target: Target, env: Record<string, string> = {}): Promise<void> {
  const repo = target.repo;
  if (!repo) return;
  const isUrl = /^[a-z+]+:\/\//.test(repo) || /^[\w.-]+@[\w.-]+:/.test(repo);
  let why: string | undefined;
  if (!isUrl) {
    if (!existsSync(repo)) why = 'no such directory';
  } else {
    await execFileP('git', ['ls-remote', '--heads', repo], {
      timeout: 20_000,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', ...env },
    }).catch((error: Error) => (why = error.message.split('\n').find((l) => l.trim()) ?? error.message));
  }
  if (!why) return;
  const setting = target.setting === 'LOOPWRIGHT_REPO' ? 'LOOPWRIGHT_REPO' : `${target.setting}.repo`;
  throw new CodedError(
    ErrorCode.ConfigInvalid,
    `${setting}: cannot reach ${repo} (target "${target.name}"): ${why}`,
    {
      hint: `fix ${setting} (a git URL this machine can fetch, or a local path), or its credentials`,
    },
  );
}

export async function openTargetRuntime(
  config: Config,
  target: Target,
  opts: TargetRuntimeOptions,
): Promise<TargetRuntime> {
  let forge: Forge;
  let localForge: LocalForge | undefined;
  // App auth has no token until one is minted, and installation tokens expire within the hour.
  let freshGitEnv: (() => Promise<unknown>) | undefined;
  if (githubEnabled(config)) {
    const github = createGitHubForge({ config, log: opts.log });
    freshGitEnv = () => github.prepareGitEnv();
    forge = github;
    // A private repo answers only with the forge's credential (a token, or a minted App token).
    await freshGitEnv();
    await checkRepoReachable(target, forge.gitEnv());
  } else {
    await checkRepoReachable(target);
    localForge = new LocalForge({
      db: opts.tickets.db,
      home: config.home,
      name: config.target,
      baseBranch: config.baseBranch,
      publicUrl: opts.publicUrl,
      author: { name: config.gitAuthorName, email: config.gitAuthorEmail },
      source: config.repo ?? opts.defaultSource,
    });
    await localForge.ensureRepo();
    forge = localForge;
  }
  // An evidence bucket, when configured, replaces the forge's own evidence hosting.
  const s3 = s3EvidenceConfigOf(config, opts.log);
  const evidenceStore: S3EvidenceStore | undefined = s3 && createS3EvidenceStore(s3);
  if (evidenceStore) forge = withEvidenceStore(forge, evidenceStore);
  const model = opts.model(config);
  let sandboxes: SandboxProvider | undefined;
  let deps: Omit<PipelineDeps, 'store'> | undefined;
  const { publicUrl, log } = opts;
  return {
    target,
    config,
    forge,
    localForge,
    pipeline() {
      if (model instanceof CodedError) throw model;
      sandboxes ??= withFreshGitEnv(
        createSandboxProvider({
          config,
          repoUrl: forge.cloneUrl(),
          gitEnv: () => forge.gitEnv(),
          log,
          onWarning: (msg) => log.warn(msg),
        }),
        freshGitEnv,
      );
      deps ??= {
        config,
        forge,
        sandboxes,
        runLoop: model.runLoop,
        evidenceUrl: (id, rel) => `${publicUrl}/evidence/${id}/${rel}`,
        ticketUrl: (id) => `${publicUrl}/tickets/${id}`,
        scripted: model.scripted,
        log,
      };
      return deps;
    },
    async close() {
      await sandboxes?.close().catch(() => {});
      evidenceStore?.close();
    },
  };
}

/**
 * Sandboxes whose clone and fetch see a current credential: `gitEnv` is synchronous and hands out
 * the last token minted, so one is minted (or renewed) before a sandbox is built.
 */
function withFreshGitEnv(
  inner: SandboxProvider,
  refresh: (() => Promise<unknown>) | undefined,
): SandboxProvider {
  if (!refresh) return inner;
  return {
    acquire: async (req) => (await refresh(), inner.acquire(req)),
    warm: async () => (await refresh(), inner.warm()),
    sweep: () => inner.sweep(),
    close: () => inner.close(),
  };
}

/** The PR pages over every target's local forge (PR numbers are unique across them). */
export function localForgesView(targets: TargetRuntime[]): WebForge | undefined {
  const locals = targets.flatMap((t) => (t.localForge ? [t.localForge] : []));
  if (locals.length === 0) return undefined;
  const owner = async (n: number) => {
    for (const f of locals) if (await f.getPullRequest(n)) return f;
    return undefined;
  };
  return {
    listPullRequests: async () =>
      (await Promise.all(locals.map((f) => f.listPullRequests()))).flat().sort((a, b) => b.number - a.number),
    getPullRequest: async (n) => (await owner(n))?.getPullRequest(n),
    merge: async (n) => ((await owner(n)) ?? locals[0]!).merge(n),
  };
}
