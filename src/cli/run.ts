/** `run` (one ticket end to end in this process) and `demo` (the same on the bundled Datadesk app). */
import { createServer } from 'node:net';
import os from 'node:os';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../core/log.ts';
import { isTerminal, type Ticket } from '../core/ticket.ts';
import { runTicket } from '../tickets/pipeline.ts';
import type { Flags } from './flags.ts';
import { followTicket, summarize } from './progress.ts';
import { openRuntime, type Runtime } from './runtime.ts';
import { startWebFor, untilSignal } from './serve.ts';
import { printResult } from './submit.ts';

export const DEMO_REQUEST = 'On the revenue dashboard, clicking a legend entry should hide that line';

/** Runs a ticket here, retrying in-process what the queue would retry; Ctrl-C cancels it. */
async function runHere(rt: Runtime, text: string, flags: Flags): Promise<Ticket> {
  const pipeline = rt.pipeline(rt.config.target);
  const store = rt.tickets.store;
  const { ticket } = await store.submit(
    { target: rt.config.target, request: { text, source: 'cli', requester: os.userInfo().username } },
    { enqueue: false },
  );
  console.log(`Ticket ${ticket.id} — ${rt.publicUrl}/tickets/${ticket.id}`);
  const onSigint = () => void store.cancel(ticket.id, 'cancelled with Ctrl-C').catch(() => {});
  process.once('SIGINT', onSigint);
  const follow = new AbortController();
  const following = followTicket(store, ticket.id, {
    tty: process.stderr.isTTY && !flags.json,
    signal: follow.signal,
  }).catch(() => undefined);
  try {
    for (let attempt = 1; ; attempt++) {
      const result = await runTicket({ ...pipeline, store }, ticket.id);
      if (!result.retry || isTerminal(result.ticket.status)) break;
      await new Promise((r) => setTimeout(r, Math.min(30_000, 2000 * 2 ** attempt)));
    }
    return (await following) ?? (await store.get(ticket.id))!;
  } finally {
    follow.abort();
    process.off('SIGINT', onSigint);
  }
}

function report(rt: Runtime, done: Ticket, flags: Flags): number {
  const lines = summarize(done, {
    ticket: `${rt.publicUrl}/tickets/${done.id}`,
    evidence: (rel) => `${rt.publicUrl}/evidence/${done.id}/${rel}`,
  });
  if (done.scripted)
    lines.push(
      '  model: SCRIPTED — a replayed trajectory played the model; set OPENAI_API_KEY for a live one',
    );
  printResult(done, flags, lines);
  return done.status === 'pr_opened' ? 0 : 1;
}

/**
 * A one-shot process runs one ticket and exits: a pre-warmed spare sandbox would be built beside
 * that ticket (taking CPU from it) and thrown away unused.
 */
const oneShot = (config: Config): Config => ({ ...config, poolSize: 0 });

export async function runOne(config: Config, text: string, flags: Flags, log: Logger): Promise<number> {
  const rt = await openRuntime(oneShot(config), { log });
  try {
    return report(rt, await runHere(rt, text, flags), flags);
  } finally {
    await rt.close();
  }
}

/** The configured port when free, else any free one (another server may hold the default). */
async function freePort(preferred: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number | undefined>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(undefined));
      srv.listen(port, '127.0.0.1', () => {
        const got = (srv.address() as { port: number }).port;
        srv.close(() => resolve(got));
      });
    });
  return (await tryPort(preferred)) ?? (await tryPort(0))!;
}

export async function runDemo(config: Config, flags: Flags, log: Logger): Promise<number> {
  // Embedded defaults whatever the environment says: PGlite, the local forge, no Slack.
  const port = await freePort(config.port);
  const demo: Config = {
    ...config,
    port,
    publicUrl: config.publicUrl && port === config.port ? config.publicUrl : undefined,
    databaseUrl: undefined,
    githubRepo: undefined,
    githubToken: undefined,
    githubAppId: undefined,
    repo: undefined,
    target: 'datadesk',
    slackBotToken: undefined,
    slackAppToken: undefined,
    slackSigningSecret: undefined,
  };
  const started = performance.now();
  const rt = await openRuntime(oneShot(demo), { log, scriptedFallback: true });
  const server = await startWebFor(rt, log);
  try {
    console.log(`Loopwright demo — queue page: ${rt.publicUrl}/`);
    console.log(
      rt.scripted
        ? 'Model: SCRIPTED. The agent’s turns are a replayed trajectory (datadesk-legend-toggle), not a live model. Set OPENAI_API_KEY to use one.'
        : `Model: ${demo.model} (live)`,
    );
    const done = await runHere(rt, DEMO_REQUEST, flags);
    const code = report(rt, done, flags);
    console.error(`demo finished in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    if (flags.serve) {
      console.error(`Serving ${rt.publicUrl} — Ctrl-C to stop`);
      await untilSignal();
    } else {
      console.error(
        `The pages above are served while Loopwright runs: \`npm start\` (port ${port}) or \`loopwright demo --serve\`.`,
      );
    }
    return code;
  } finally {
    await server.close();
    await rt.close();
  }
}
