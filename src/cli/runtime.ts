/**
 * The composition root: from config to a running set of parts — store and queue, forge (GitHub
 * when configured, else the local forge), sandboxes, and the model (a real one, or the scripted
 * replay) — wired into the pipeline. Every command that runs tickets opens one of these.
 */
import { fileURLToPath } from 'node:url';
import { integrations } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
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
import { createChatModels } from '../loop/llm/openai.ts';
import { createSandboxProvider, type SandboxProvider } from '../sandbox/index.ts';
import {
  createLoopRunner,
  createReplayLoopRunner,
  DEMO_TRAJECTORY,
  resolveTrajectory,
} from '../tickets/agents.ts';
import { BasePool } from '../tickets/base-pool.ts';
import { openTickets, type Tickets } from '../tickets/index.ts';
import type { LoopRunner, PipelineDeps } from '../tickets/pipeline.ts';
import type { QueueOptions } from '../tickets/queue.ts';

/** The bundled app the demo (and a local forge without LOOPWRIGHT_REPO) starts from. */
export const DATADESK_DIR = fileURLToPath(new URL('../../sandbox/datadesk', import.meta.url));

export interface Runtime {
  config: Config;
  tickets: Tickets;
  forge: Forge;
  /** Set when the forge is the local one (PR pages, merge). */
  localForge?: LocalForge;
  publicUrl: string;
  /** The model is the scripted replay. */
  scripted: boolean;
  /** Absent until `pipeline()` is first called (web-only processes never build sandboxes). */
  pipeline(): Omit<PipelineDeps, 'store'>;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  log: Logger;
  /** Use the scripted demo model when no model is configured (`demo`). */
  scriptedFallback?: boolean;
  queue?: QueueOptions;
  /**
   * Warm base apps kept ready per base commit beside the ones tickets take (a long-running worker:
   * the pool size; a one-shot `run` or `demo`: none, its one ticket starts its own at once).
   */
  spareBases?: number;
}

export const publicUrlOf = (config: Config): string =>
  (
    config.publicUrl ??
    `http://${config.host && config.host !== '0.0.0.0' ? config.host : '127.0.0.1'}:${config.port}`
  ).replace(/\/$/, '');

/** Which model runs tickets: a configured trajectory, a real endpoint, or (demo) the shipped script. */
function chooseModel(
  config: Config,
  scriptedFallback: boolean,
  bases: BasePool,
): { runLoop: LoopRunner; scripted: boolean } | CodedError {
  if (config.trajectory) {
    return {
      runLoop: createReplayLoopRunner({ config, trajectory: resolveTrajectory(config.trajectory), bases }),
      scripted: true,
    };
  }
  if (integrations(config).model === 'on') {
    const { coder, reviewer } = createChatModels(config);
    return { runLoop: createLoopRunner({ config, coder, reviewer, record: true, bases }), scripted: false };
  }
  if (scriptedFallback)
    return {
      runLoop: createReplayLoopRunner({ config, trajectory: DEMO_TRAJECTORY, bases }),
      scripted: true,
    };
  return new CodedError(ErrorCode.ModelNotConfigured, 'no model is configured', {
    hint: 'set OPENAI_API_KEY (and OPENAI_BASE_URL for another OpenAI-compatible endpoint), or try `loopwright demo` with the scripted model',
  });
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

export async function openRuntime(config: Config, opts: RuntimeOptions): Promise<Runtime> {
  const tickets = await openTickets(config, opts.queue);
  try {
    const publicUrl = publicUrlOf(config);
    let forge: Forge;
    let localForge: LocalForge | undefined;
    // App auth has no token until one is minted, and installation tokens expire within the hour.
    let freshGitEnv: (() => Promise<unknown>) | undefined;
    if (githubEnabled(config)) {
      const github = createGitHubForge({ config, log: opts.log });
      freshGitEnv = () => github.prepareGitEnv();
      forge = github;
    } else {
      localForge = new LocalForge({
        db: tickets.db,
        home: config.home,
        name: config.target,
        baseBranch: config.baseBranch,
        publicUrl,
        author: { name: config.gitAuthorName, email: config.gitAuthorEmail },
        source: config.repo ?? DATADESK_DIR,
      });
      await localForge.ensureRepo();
      forge = localForge;
    }
    // An evidence bucket, when configured, replaces the forge's own evidence hosting.
    const s3 = s3EvidenceConfigOf(config, opts.log);
    const evidenceStore: S3EvidenceStore | undefined = s3 && createS3EvidenceStore(s3);
    if (evidenceStore) forge = withEvidenceStore(forge, evidenceStore);
    const bases = new BasePool({ config, spares: opts.spareBases ?? 0, log: opts.log });
    const model = chooseModel(config, opts.scriptedFallback ?? false, bases);
    let sandboxes: SandboxProvider | undefined;
    let deps: Omit<PipelineDeps, 'store'> | undefined;
    return {
      config,
      tickets,
      forge,
      localForge,
      publicUrl,
      scripted: !(model instanceof CodedError) && model.scripted,
      pipeline() {
        if (model instanceof CodedError) throw model;
        sandboxes ??= withFreshGitEnv(
          createSandboxProvider({
            config,
            repoUrl: forge.cloneUrl(),
            gitEnv: () => forge.gitEnv(),
            log: opts.log,
            onWarning: (msg) => opts.log.warn(msg),
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
          log: opts.log,
        };
        return deps;
      },
      async close() {
        await sandboxes?.close().catch(() => {});
        await bases.close().catch(() => {});
        evidenceStore?.close();
        await tickets.close();
      },
    };
  } catch (error) {
    await tickets.close().catch(() => {});
    throw error;
  }
}
