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
import type { RouteShot } from '../evidence/routes.ts';
import type { AppHandle, Room, Sandbox } from '../sandbox/types.ts';
import type { BasePool } from './base-pool.ts';
import type { LoopRunInput, LoopRunner } from './pipeline.ts';
import { stamp, type TicketEvent } from '../core/events.ts';
import { OpenAIChatModel } from '../loop/llm/openai.ts';
import { RecordingChatModel } from '../loop/replay/recorder.ts';
import { REPLAY_MODELS, startReplayServer } from '../loop/replay/server.ts';

export interface LoopRunnerOptions {
  config: Config;
  coder: ChatModel;
  reviewer: ChatModel;
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
    if (opts.bases) rooms.base().catch(() => undefined);
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
          });
          return { browser: await session };
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
            signal: proofSignal ?? signal,
          });
        },
        coder: recorded(opts.coder, 'coder'),
        reviewer: recorded(opts.reviewer, 'reviewer'),
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

interface RunningRoom {
  room: Room;
  app: AppHandle;
  /** The base app's cached before-screenshots, copied into the evidence. */
  before?: (outDir: string) => Promise<RouteShot[]>;
}

/**
 * The proof's two apps, each in a clean room: the base commit's (opened once per ticket) and the
 * snapshotted tree's (replaced when the coder submits a plan on another tree). Neither is the
 * agent's live app, and no agent process can reach either.
 */
class ProofRooms {
  private readonly sandbox: Sandbox;
  private readonly bases?: BasePool;
  private baseRoom?: Promise<RunningRoom>;
  private headRoom?: { tree: string; running: Promise<RunningRoom> };

  constructor(sandbox: Sandbox, bases?: BasePool) {
    this.sandbox = sandbox;
    this.bases = bases;
  }

  base(): Promise<RunningRoom> {
    this.baseRoom ??= this.bases ? this.bases.take(this.sandbox) : this.open(this.sandbox.baseCommit, 'base');
    this.baseRoom.catch(() => (this.baseRoom = undefined));
    return this.baseRoom;
  }

  async head(tree: string): Promise<RunningRoom> {
    if (this.headRoom?.tree !== tree) {
      const previous = this.headRoom?.running;
      this.headRoom = { tree, running: this.open(tree, 'head') };
      if (previous) await closeRoom(previous);
    }
    const running = this.headRoom.running;
    running.catch(() => (this.headRoom = undefined));
    return running;
  }

  async close(): Promise<void> {
    await Promise.all([this.baseRoom, this.headRoom?.running].map((r) => (r ? closeRoom(r) : undefined)));
  }

  private async open(treeish: string, label: string): Promise<RunningRoom> {
    const room = await this.sandbox.openRoom(treeish, label);
    try {
      return { room, app: await room.startApp() };
    } catch (error) {
      await room.close().catch(() => undefined);
      throw error;
    }
  }
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

async function closeRoom(running: Promise<RunningRoom>): Promise<void> {
  const r = await running.catch(() => undefined);
  await r?.room.close().catch(() => undefined);
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
