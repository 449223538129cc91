/**
 * The real loop runner: binds a ticket's sandbox to the agent loop (src/loop runTicketLoop), the
 * prover (src/evidence prove: old code from the sandbox's base app, new code from its app) and a
 * browser session inside the sandbox. Starts the base app and the browser only when first needed.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrowserSession } from '../browser/session.ts';
import type { Config } from '../config/schema.ts';
import { prove } from '../evidence/proof.ts';
import { runTicketLoop, type ChatModel, type LoopOutcome } from '../loop/index.ts';
import type { ProofResult } from '../browser/types.ts';
import { ErrorCode, isCodedError } from '../core/errors.ts';
import { appFreshness } from '../sandbox/freshness.ts';
import type { BasePool } from './base-pool.ts';
import type { LoopRunInput, LoopRunner } from './pipeline.ts';
import { ProofRooms } from './proof-rooms.ts';
import { stamp, type TicketEvent } from '../core/events.ts';
import { OpenAIChatModel } from '../loop/llm/openai.ts';
import { RecordingChatModel } from '../loop/replay/recorder.ts';
import { REPLAY_MODELS, startReplayServer } from '../loop/replay/server.ts';

export interface LoopRunnerOptions {
  config: Config;
  coder: ChatModel;
  reviewer: ChatModel;
  /** An owner's own model (its reviewer file names one); absent: owners use `reviewer`. */
  reviewerFor?: (model: string) => ChatModel;
  /**
   * Record both agents' turns to `trajectory.jsonl` in the ticket's evidence directory, so a run on
   * a live model can be replayed later as a regression test (LOOPWRIGHT_TRAJECTORY=<that file>).
   */
  record?: boolean;
  /** Where base apps come from (warm, started with the ticket); default: one opened when the proof needs it. */
  bases?: BasePool;
}

export function createLoopRunner(opts: LoopRunnerOptions): LoopRunner {
  return async function* run(input: LoopRunInput): AsyncGenerator<TicketEvent, LoopOutcome> {
    const { sandbox, ticket, evidenceDir, signal } = input;
    const { config } = opts;
    const rooms = new ProofRooms(sandbox, opts.bases);
    // The base app does not depend on anything the coder does: warm it up beside the coding.
    if (opts.bases) rooms.warmBase();
    let session: Promise<BrowserSession> | undefined;
    const trajectory = path.join(evidenceDir, 'trajectory.jsonl');
    const recorded = (model: ChatModel, agent: 'coder' | 'reviewer') =>
      opts.record ? new RecordingChatModel(model, { agent, file: trajectory }) : model;
    try {
      return yield* runTicketLoop({
        ticketId: ticket.id,
        request: ticket.request.text,
        clarifications: input.clarifications,
        sandbox,
        browser: async () => {
          session ??= BrowserSession.open({
            appUrl: sandbox.app.url,
            launcher: sandbox.browser,
            outputDir: path.join(sandbox.scratchDir, 'browser'),
            vision: config.vision,
            allowHosts: sandbox.settings.network,
            settleMs: sandbox.settings.settleMs,
          });
          return { browser: await session, freshness: appFreshness(sandbox) };
        },
        prove: async (plan, { signal: proofSignal, tree }) => {
          input.checksAhead?.start(tree);
          const [base, head] = await Promise.all([rooms.base(), rooms.head(tree).catch(headDidNotStart)]);
          if (!('room' in head)) return { ...head, plan };
          return prove({
            plan,
            ticketId: ticket.id,
            evidenceDir,
            launcher: base.room.browser,
            headLauncher: head.room.browser,
            baseUrl: base.app.url,
            headUrl: head.app.url,
            trees: { base: base.room.tree, head: head.room.tree },
            ...(base.before ? { before: base.before } : {}),
            routes: sandbox.settings.routes,
            allowHosts: sandbox.settings.network,
            settleMs: sandbox.settings.settleMs,
            signal: proofSignal ?? signal,
          });
        },
        coder: recorded(opts.coder, 'coder'),
        reviewer: recorded(opts.reviewer, 'reviewer'),
        ...(opts.reviewerFor
          ? { reviewerFor: (m: string) => recorded(opts.reviewerFor!(m), 'reviewer') }
          : {}),
        reviewConcurrency: config.reviewConcurrency,
        budgets: config.budgets,
        signal,
        transcriptPath: path.join(evidenceDir, 'transcript.jsonl'),
        deniedPaths: [config.home],
      });
    } finally {
      if (session) await (await session.catch(() => undefined))?.close().catch(() => {});
      await rooms.close();
    }
  };
}

/**
 * The change's own app not starting from a clean checkout is the coder's to fix (a file left out by
 * .gitignore, a broken import), not a broken environment: it comes back as the proof's outcome.
 */
function headDidNotStart(error: unknown): Omit<ProofResult, 'plan'> {
  if (!isCodedError(error, ErrorCode.AppStartFailed)) throw error;
  return {
    outcome: 'fails_on_head',
    feedback:
      'Your change does not start when checked out clean (only what a commit of it holds: files that ' +
      `.gitignore excludes are left out). ${error.message}`,
    runs: [],
    playwrightTest: '',
  };
}

/** The demo trajectory shipped with Loopwright. */
export const DEMO_TRAJECTORY = fileURLToPath(
  new URL('../loop/replay/trajectories/datadesk-legend-toggle.jsonl', import.meta.url),
);

/** A trajectory setting: a path, or the name of a file in src/loop/replay/trajectories. */
export function resolveTrajectory(value: string): string {
  if (value.includes('/') || value.endsWith('.jsonl')) return path.resolve(value);
  return fileURLToPath(new URL(`../loop/replay/trajectories/${value}.jsonl`, import.meta.url));
}

/**
 * The scripted model: every ticket run gets its own replay server playing the trajectory from the
 * start, reached through the real `openai` client, so runs in parallel do not share a script.
 */
export function createReplayLoopRunner(opts: {
  config: Config;
  trajectory: string;
  bases?: BasePool;
}): LoopRunner {
  return async function* run(input: LoopRunInput): AsyncGenerator<TicketEvent, LoopOutcome> {
    const server = await startReplayServer({ trajectory: opts.trajectory });
    try {
      const model = (name: string) =>
        new OpenAIChatModel({ model: name, baseURL: server.url, apiKey: 'replay', maxRetries: 1 });
      const inner = createLoopRunner({
        config: opts.config,
        coder: model(REPLAY_MODELS.coder),
        reviewer: model(REPLAY_MODELS.reviewer),
        bases: opts.bases,
      });
      const outcome = yield* inner(input);
      if (server.mismatches.length) {
        yield stamp({
          type: 'log',
          level: 'warn',
          text: `the scripted model went off script: ${server.mismatches[0]?.message ?? ''}`.slice(0, 400),
        });
      }
      return outcome;
    } finally {
      await server.close();
    }
  };
}
