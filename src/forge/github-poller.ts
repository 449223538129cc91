/**
 * Follow-ups where no webhook can reach the server: polls the repo's issue comments since a cursor
 * (persisted under LOOPWRIGHT_HOME so a restart neither misses nor replays much) and hands PR
 * comments to the same handler as the webhook. Replays are harmless: one ticket per comment id.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { asGitHubError, createGitHubClient } from './github-client.ts';
import {
  followUpHandler,
  type FollowUpDeps,
  type FollowUpOutcome,
  type PullComment,
} from './github-followup.ts';

export interface GitHubPollerOptions extends FollowUpDeps {
  /** Default 60 s. */
  intervalMs?: number;
  /** How far back the first poll looks when no cursor is stored; default 1 hour. */
  lookbackMs?: number;
  /** Where the cursor is kept; default `$LOOPWRIGHT_HOME/github-poll.json`. */
  statePath?: string;
}

export interface GitHubPoller {
  /** One poll now; resolves with what each mentioning comment led to. */
  pollOnce(): Promise<FollowUpOutcome[]>;
  stop(): Promise<void>;
}

interface RepoComment extends PullComment {
  issue_url: string;
  created_at: string;
  updated_at: string;
}

const PER_PAGE = 100;
const MAX_PAGES = 10;

export function startGitHubPoller(opts: GitHubPollerOptions): GitHubPoller {
  const log = opts.log.child({ component: 'github-poller' });
  const client = opts.client ?? createGitHubClient({ config: opts.config, log });
  const handle = followUpHandler({ ...opts, client });
  const statePath = opts.statePath ?? path.join(opts.config.home, 'github-poll.json');
  const intervalMs = opts.intervalMs ?? 60_000;
  let since: string | undefined;
  let running: Promise<FollowUpOutcome[]> | undefined;
  let stopped = false;

  async function loadCursor(): Promise<string> {
    if (since) return since;
    try {
      since = (JSON.parse(await readFile(statePath, 'utf8')) as { since: string }).since;
    } catch {
      since = new Date(Date.now() - (opts.lookbackMs ?? 3_600_000)).toISOString();
    }
    return since;
  }

  async function poll(): Promise<FollowUpOutcome[]> {
    const from = await loadCursor();
    const { octokit, coords } = client;
    const comments: RepoComment[] = [];
    try {
      for (let page = 1; page <= MAX_PAGES; page++) {
        const { data } = await octokit.rest.issues.listCommentsForRepo({
          ...coords,
          since: from,
          sort: 'updated',
          direction: 'asc',
          per_page: PER_PAGE,
          page,
        });
        comments.push(...(data as RepoComment[]));
        if (data.length < PER_PAGE) break;
      }
    } catch (error) {
      throw asGitHubError(error, 'polling PR comments');
    }
    const outcomes: FollowUpOutcome[] = [];
    let cursor = from;
    for (const comment of comments) {
      // Issue comments and PR conversation comments share this endpoint; PRs link to /pull/.
      const number = Number(comment.issue_url.split('/').pop());
      if (comment.html_url.includes('/pull/') && Number.isInteger(number)) {
        outcomes.push(await handle(number, comment));
      }
      if (comment.updated_at > cursor) cursor = comment.updated_at;
    }
    since = cursor;
    await mkdir(path.dirname(statePath), { recursive: true });
    await writeFile(statePath, `${JSON.stringify({ since })}\n`);
    return outcomes;
  }

  function pollOnce(): Promise<FollowUpOutcome[]> {
    running ??= poll().finally(() => (running = undefined));
    return running;
  }

  const timer = setInterval(() => {
    if (stopped) return;
    pollOnce().catch((error: unknown) => log.warn({ err: String(error) }, 'polling GitHub failed'));
  }, intervalMs);
  timer.unref();

  return {
    pollOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}

/**
 * One poller per GitHub repo of the deployment's targets (`deps` in target order, the default
 * first), so a comment on any target's PR reaches that target's handler. The default target keeps
 * the cursor file `github-poll.json`; the others get `github-poll-<owner>-<name>.json`.
 */
export function startGitHubPollers(
  deps: FollowUpDeps[],
  opts: Omit<GitHubPollerOptions, keyof FollowUpDeps> = {},
): GitHubPoller {
  const seen = new Set<string>();
  const pollers: GitHubPoller[] = [];
  for (const d of deps) {
    const repo = d.config.githubRepo?.toLowerCase();
    if (!repo || seen.has(repo)) continue;
    const statePath =
      seen.size === 0
        ? undefined
        : path.join(d.config.home, `github-poll-${repo.replace(/[^\w.-]+/g, '-')}.json`);
    seen.add(repo);
    pollers.push(startGitHubPoller({ ...opts, ...d, ...(statePath ? { statePath } : {}) }));
  }
  return {
    async pollOnce() {
      return (await Promise.all(pollers.map((p) => p.pollOnce()))).flat();
    },
    async stop() {
      await Promise.all(pollers.map((p) => p.stop()));
    },
  };
}
