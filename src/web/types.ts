/** What the web server needs from the rest of Loopwright, as ports it can be tested through. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../core/log.ts';
import type { Config } from '../config/schema.ts';
import type { WorkerRow } from '../tickets/health.ts';
import type { TicketStore } from '../tickets/types.ts';

/** A pull request as the PR page shows it (the local forge's view of one of its PRs). */
export interface PullRequestView {
  number: number;
  title: string;
  /** Markdown body; rendered safely (src/web/markdown.ts). */
  body: string;
  branch: string;
  base?: string;
  state: 'open' | 'merged' | 'closed';
  draft?: boolean;
  url?: string;
  /** The ticket the PR came from, whose proof and evidence the page shows. */
  ticketId?: string;
  /** Unified diff against the base; when absent the ticket's `diff.patch` is shown. */
  diff?: string;
  createdAt?: string;
}

/** The read and merge operations of a forge the PR pages use; all optional. */
export interface WebForge {
  listPullRequests?(): Promise<PullRequestView[]>;
  getPullRequest?(number: number): Promise<PullRequestView | undefined>;
  merge?(number: number): Promise<unknown>;
}

/**
 * A raw Node handler for a signed endpoint. `req.rawBody` holds the exact request bytes (Bolt's
 * HTTP receiver reads them from there instead of the stream), so signatures can be verified.
 */
export type RawHandler = (
  req: IncomingMessage & { rawBody: Buffer },
  res: ServerResponse,
) => void | Promise<void>;

/**
 * A plugin mounted in its own encapsulated scope where every content type is parsed as a Buffer:
 * `request.body` (and `request.raw.rawBody`) are the exact bytes received. Routes under
 * `/slack/events` and `/github/webhook` skip the UI token and CSRF checks; any other path a mount
 * registers is protected like every page.
 */
export type WebMount = (app: FastifyInstance) => void | Promise<void>;

export interface WebDeps {
  config: Config;
  store: TicketStore;
  forge?: WebForge;
  /** Mounted at POST `/slack/events` (e.g. Bolt `HTTPReceiver.requestListener`). */
  slackHandler?: RawHandler;
  /** Mounted at POST `/github/webhook`. */
  githubWebhook?: RawHandler;
  mounts?: WebMount[];
  /** The process runs the scripted replay model: every page says so. */
  scripted?: boolean;
  /** The workers alive on this deployment's database, for /healthz and the queue page. */
  workers?: () => Promise<WorkerRow[]>;
  log?: Logger;
}
