/**
 * The composition root: from config to a running set of parts — store and queue, and for every
 * target its forge (GitHub when configured, else the local forge), sandboxes and model (a real
 * one, or the scripted replay) wired into a pipeline (target-runtime.ts). Every command that runs
 * tickets opens one of these.
 */
import { fileURLToPath } from 'node:url';
import { integrations } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { CodedError, ErrorCode } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { configForTarget, findTarget, resolveTargets } from '../config/targets.ts';
import type { LocalForge } from '../forge/local.ts';
import type { Forge } from '../forge/types.ts';
import { createChatModels } from '../loop/llm/openai.ts';
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
import { startWorker, type Worker } from '../tickets/worker.ts';
import { openTargetRuntime, type TargetRuntime } from './target-runtime.ts';

/** The bundled app the demo (and a local forge without LOOPWRIGHT_REPO) starts from. */
export const DATADESK_DIR = fileURLToPath(new URL('../../sandbox/datadesk', import.meta.url));

export interface Runtime {
  config: Config;
  /** Every target's parts, the default target first. */
  targets: TargetRuntime[];
  tickets: Tickets;
  /** The default target's forge. */
  forge: Forge;
  /** Set when the default target's forge is the local one (PR pages, merge). */
  localForge?: LocalForge;
  publicUrl: string;
  /** The model is the scripted replay. */
  scripted: boolean;
  /** A target's parts; `config_invalid` naming the known targets for another name. */
  forTarget(name: string): TargetRuntime;
  /** A target's pipeline (default: the default target's), built on first use. */
  pipeline(target?: string): Omit<PipelineDeps, 'store'>;
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

/**
 * Which model runs tickets: the target's (below), or for a ticket that names its own model or
 * budgets (an eval trial), a runner built for that ticket with them.
 */
function chooseModel(
  config: Config,
  scriptedFallback: boolean,
  bases: BasePool,
): { runLoop: LoopRunner; scripted: boolean } | CodedError {
  const chosen = targetModel(config, scriptedFallback, bases);
  if (chosen instanceof CodedError) return chosen;
  const runLoop: LoopRunner = (input) => {
    const { model, budgets } = input.ticket.request;
    if (!model && !budgets) return chosen.runLoop(input);
    const replay = model?.startsWith('replay:') ? model.slice('replay:'.length) : undefined;
    const own: Config = {
      ...config,
      budgets: { ...config.budgets, ...budgets },
      ...(model && !replay ? { model, trajectory: undefined } : {}),
      ...(replay ? { trajectory: replay } : {}),
    };
    const picked = targetModel(own, scriptedFallback, bases);
    if (picked instanceof CodedError) throw picked;
    return picked.runLoop(input);
  };
  return { runLoop, scripted: chosen.scripted };
}

/** The target's model: a configured trajectory, a real endpoint, or (demo) the shipped script. */
function targetModel(
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
    const { coder, reviewer, named } = createChatModels(config);
    return {
      runLoop: createLoopRunner({ config, coder, reviewer, reviewerFor: named, record: true, bases }),
      scripted: false,
    };
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

export async function openRuntime(config: Config, opts: RuntimeOptions): Promise<Runtime> {
  const tickets = await openTickets(config, opts.queue);
  const opened: TargetRuntime[] = [];
  // One pool per target: a base app is started with that target's own settings.
  const pools: BasePool[] = [];
  const basePool = (c: Config): BasePool => {
    const pool = new BasePool({ config: c, spares: opts.spareBases ?? 0, log: opts.log });
    pools.push(pool);
    return pool;
  };
  try {
    const publicUrl = publicUrlOf(config);
    const targetOpts = {
      tickets,
      publicUrl,
      log: opts.log,
      defaultSource: DATADESK_DIR,
      model: (c: Config) => chooseModel(c, opts.scriptedFallback ?? false, basePool(c)),
    };
    for (const target of resolveTargets(config))
      opened.push(await openTargetRuntime(configForTarget(config, target), target, targetOpts));
    const first = opened[0]!;
    const byName = new Map(opened.map((t) => [t.target.name, t]));
    const forTarget = (name: string): TargetRuntime => {
      const found = byName.get(name);
      if (found) return found;
      findTarget(resolveTargets(config), name, "the ticket's target");
      return first;
    };
    const model = chooseModel(first.config, opts.scriptedFallback ?? false, basePool(first.config));
    return {
      config,
      targets: opened,
      tickets,
      forge: first.forge,
      localForge: first.localForge,
      publicUrl,
      scripted: !(model instanceof CodedError) && model.scripted,
      forTarget,
      pipeline: (name?: string) => forTarget(name ?? first.target.name).pipeline(),
      async close() {
        for (const t of opened) await t.close();
        for (const pool of pools) await pool.close().catch(() => {});
        await tickets.close();
      },
    };
  } catch (error) {
    for (const t of opened) await t.close().catch(() => {});
    for (const pool of pools) await pool.close().catch(() => {});
    await tickets.close().catch(() => {});
    throw error;
  }
}

/**
 * A worker on the runtime's queue, running every target's tickets with that target's pipeline.
 * `selfCheck`: first make sure a proof can be recorded here (browser/selfcheck.ts), and claim
 * nothing until it can.
 */
export function startRuntimeWorker(rt: Runtime, log: Logger, opts: { selfCheck: boolean }): Promise<Worker> {
  return startWorker({
    store: rt.tickets.store,
    queue: rt.tickets.queue,
    pipeline: rt.pipeline(),
    pipelineFor: (target) => rt.pipeline(target),
    log,
    selfCheck: opts.selfCheck
      ? async () => {
          const { checkProofRecording } = await import('../browser/selfcheck.ts');
          return checkProofRecording({ config: rt.config });
        }
      : undefined,
  });
}
