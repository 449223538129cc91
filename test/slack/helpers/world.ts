/**
 * What `loopwright start` composes, for Slack end-to-end tests: the runtime from a config, the web
 * server with Slack's receiver mounted, and a worker that runs each ticket on its own target.
 */
import { openRuntime, type Runtime } from '../../../src/cli/runtime.ts';
import { startWebFor } from '../../../src/cli/serve.ts';
import type { Config } from '../../../src/config/schema.ts';
import type { Logger } from '../../../src/core/log.ts';
import { startWorker, type Worker } from '../../../src/tickets/worker.ts';
import type { WebServer } from '../../../src/web/server.ts';

export interface SlackWorld {
  rt: Runtime;
  server: WebServer;
  worker: Worker;
  close(): Promise<void>;
}

export async function startSlackWorld(config: Config, log: Logger): Promise<SlackWorld> {
  // As `runStart` does: runtime, web server (Slack mounted), then the worker.
  const rt = await openRuntime(config, { log });
  const server = await startWebFor(rt, log);
  const worker = await startWorker({
    store: rt.tickets.store,
    queue: rt.tickets.queue,
    pipeline: rt.pipeline(),
    pipelineFor: (target) => rt.pipeline(target),
    log,
  });
  return {
    rt,
    server,
    worker,
    async close() {
      await worker.stop({ graceMs: 5000 });
      await server.close();
      await rt.close();
    },
  };
}
