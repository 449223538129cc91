/** `start` (web + workers in one process) and `worker` (workers only, for scale-out). */
import type { Config } from '../config/schema.ts';
import { CodedError, ErrorCode, isCodedError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { GitHubForge } from '../forge/github.ts';
import { aliveWorkers } from '../tickets/health.ts';
import type { Worker } from '../tickets/worker.ts';
import type { WebServer } from '../web/server.ts';
import { openRuntime, startRuntimeWorker, type Runtime } from './runtime.ts';
import { localForgesView } from './target-runtime.ts';

/** Resolves on the first SIGINT or SIGTERM. */
export const untilSignal = (): Promise<string> =>
  new Promise((resolve) => {
    const on = (sig: string) => () => resolve(sig);
    process.once('SIGINT', on('SIGINT'));
    process.once('SIGTERM', on('SIGTERM'));
  });

export async function startWebFor(rt: Runtime, log: Logger, port?: number): Promise<WebServer> {
  const { startWebServer } = await import('../web/server.ts');
  const mounts = [];
  let slackClose: (() => Promise<void>) | undefined;
  const { slackEnabled, startSlack } = await import('../slack/index.ts');
  if (slackEnabled(rt.config)) {
    const slack = await startSlack({
      config: rt.config,
      store: rt.tickets.store,
      publicUrl: rt.publicUrl,
      log,
    });
    if (slack.mount) mounts.push(slack.mount);
    slackClose = slack.close;
  }
  // GitHub follow-ups (`@loopwright` comments on a PR): by webhook when a secret is set, else polled;
  // each target on GitHub answers for the PRs in its own repo.
  let githubStop: (() => Promise<void>) | undefined;
  const onGitHub = rt.targets.filter((t) => t.forge.kind === 'github');
  if (onGitHub.length > 0) {
    const gh = await import('../forge/github.ts');
    const deps = onGitHub.map((t) => ({
      config: t.config,
      store: rt.tickets.store,
      log,
      client: (t.forge as GitHubForge).client,
    }));
    if (rt.config.githubWebhookSecret) mounts.push(gh.mountGitHubWebhook(deps));
    else githubStop = gh.startGitHubPollers(deps).stop;
  }
  const server = await startWebServer({
    config: port === undefined ? rt.config : { ...rt.config, port },
    store: rt.tickets.store,
    forge: localForgesView(rt.targets),
    mounts,
    scripted: rt.scripted,
    workers: () => aliveWorkers(rt.tickets.db),
    log,
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EADDRINUSE') throw error;
    throw new CodedError(ErrorCode.ConfigInvalid, `port ${port ?? rt.config.port} is already in use`, {
      hint: 'stop the other server, or set LOOPWRIGHT_PORT to a free port',
    });
  });
  const close = server.close.bind(server);
  return {
    ...server,
    close: async () => {
      await slackClose?.().catch(() => {});
      await githubStop?.().catch(() => {});
      await close();
    },
  };
}

async function startWorkers(rt: Runtime, log: Logger): Promise<Worker | undefined> {
  try {
    return await startRuntimeWorker(rt, log, { selfCheck: true });
  } catch (error) {
    if (isCodedError(error, ErrorCode.ModelNotConfigured)) {
      log.warn(`no worker: ${error.describe()}`);
      console.error(`loopwright: no worker started — ${error.describe()}`);
      return undefined;
    }
    throw error;
  }
}

export async function runStart(config: Config, opts: { worker: boolean; log: Logger }): Promise<number> {
  const rt = await openRuntime(config, { log: opts.log, spareBases: opts.worker ? config.poolSize : 0 });
  let server: WebServer | undefined;
  let worker: Worker | undefined;
  try {
    server = await startWebFor(rt, opts.log);
    if (opts.worker) worker = await startWorkers(rt, opts.log);
    console.log(
      `Loopwright at ${rt.publicUrl === server.url ? server.url : `${server.url} (public: ${rt.publicUrl})`}` +
        ` — ${worker ? `worker running (${config.workerConcurrency} at a time)` : 'no worker in this process'}` +
        `${rt.scripted ? ' — model: SCRIPTED replay' : ''}`,
    );
    const sig = await untilSignal();
    opts.log.info({ signal: sig }, 'stopping');
    return 0;
  } finally {
    await worker?.stop();
    await server?.close();
    await rt.close();
  }
}

export async function runWorkerOnly(config: Config, opts: { log: Logger }): Promise<number> {
  const rt = await openRuntime(config, { log: opts.log, spareBases: config.poolSize });
  try {
    if (rt.tickets.db.kind === 'pglite') {
      opts.log.warn(
        'worker on the embedded database: only this process can use it; set DATABASE_URL to share one',
      );
    }
    const worker = await startRuntimeWorker(rt, opts.log, { selfCheck: true });
    console.log(
      `Loopwright worker running (${config.workerConcurrency} at a time)${rt.scripted ? ' — model: SCRIPTED replay' : ''}`,
    );
    const sig = await untilSignal();
    opts.log.info({ signal: sig }, 'stopping');
    await worker.stop();
    return 0;
  } finally {
    await rt.close();
  }
}
