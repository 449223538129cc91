/**
 * The scripted demo ticket shipped with the product: `loopwright demo` plays this trajectory on the
 * bundled Datadesk app through the replay server when no model is configured.
 */
import { fileURLToPath } from 'node:url';
import { OpenAIChatModel } from '../llm/openai.ts';
import type { ChatModel } from '../llm/types.ts';
import { REPLAY_MODELS, startReplayServer, type ReplayServer } from './server.ts';

/** The request the demo submits (the trajectory's expectations are written against this ticket). */
export const DEMO_REQUEST =
  'On the revenue dashboard, clicking a legend entry should hide that line (click again to show it).';

/** Path of the Datadesk legend-toggle trajectory. */
export const DEMO_TRAJECTORY = fileURLToPath(
  new URL('./trajectories/datadesk-legend-toggle.jsonl', import.meta.url),
);

export interface ScriptedModels {
  coder: ChatModel;
  reviewer: ChatModel;
  /** The replay server (its `mismatches` explain a scripted run that went off script). */
  server: ReplayServer;
  close(): Promise<void>;
}

/**
 * Starts the replay server on 127.0.0.1 with a trajectory (default: the Datadesk demo) and returns
 * the coder and reviewer models pointed at it through the real OpenAI adapter. One server serves
 * one ticket: the script is consumed as it plays.
 */
export async function startScriptedModels(opts: { trajectory?: string } = {}): Promise<ScriptedModels> {
  const server = await startReplayServer({ trajectory: opts.trajectory ?? DEMO_TRAJECTORY });
  // A 400 from the replay server is a mismatch, never transient: do not retry it.
  const model = (name: string) => new OpenAIChatModel({ model: name, baseURL: server.url, maxRetries: 2 });
  return {
    coder: model(REPLAY_MODELS.coder),
    reviewer: model(REPLAY_MODELS.reviewer),
    server,
    close: () => server.close(),
  };
}
