/**
 * The local forge, the embedded default when GitHub is not configured: the target repo is a bare
 * repo under `$LOOPWRIGHT_HOME/forge/<name>.git`, a pull request is a pushed branch plus a row in
 * `pull_requests`. Publishing is idempotent (one open PR per branch); merge fast-forwards the base.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { CodedError, ErrorCode } from '../core/errors.ts';
import type { PullRequestRef } from '../core/ticket.ts';
import type { Db } from '../tickets/db.ts';
import { commitChange, judgeHead, readHead, staleAttempt } from './change.ts';
import { commitAll, git, pushCommit, type GitAuthor } from './git.ts';
import type { Forge, PublishInput, PublishResult } from './types.ts';

export interface LocalForgeOptions {
  db: Db;
  home: string;
  /** The target's name: the repo is `<home>/forge/<name>.git`. */
  name: string;
  baseBranch: string;
  /** Base URL of the web UI; PRs live at `/prs/<number>`, evidence at `/evidence/<id>/<file>`. */
  publicUrl: string;
  author: GitAuthor;
  /** Where a new forge repo comes from: a directory of files (the bundled app) or a git repo/URL. */
  source?: string;
}

export interface LocalPullRequest {
  number: number;
  title: string;
  body: string;
  branch: string;
  base: string;
  state: 'open' | 'merged' | 'closed';
  draft: boolean;
  url: string;
  ticketId?: string;
  headSha?: string;
  createdAt: string;
  /** Unified diff of the branch against the base (getPullRequest only). */
  diff?: string;
}

interface PrRow {
  number: number;
  branch: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
  state: LocalPullRequest['state'];
  ticket_id: string | null;
  head_sha: string | null;
  created_at: Date | string;
}

/** Files never copied into a fresh forge repo from a source directory. */
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'coverage', 'test-results', '.vite']);

export class LocalForge implements Forge {
  readonly kind = 'local' as const;
  readonly repoPath: string;
  private readonly opts: LocalForgeOptions;

  constructor(opts: LocalForgeOptions) {
    this.opts = opts;
    this.repoPath = path.join(opts.home, 'forge', `${opts.name}.git`);
  }

  cloneUrl(): string {
    return this.repoPath;
  }

  gitEnv(): Record<string, string> {
    return {};
  }

  prUrl(number: number): string {
    return `${this.opts.publicUrl.replace(/\/$/, '')}/prs/${number}`;
  }

  evidenceUrl(ticketId: string, rel: string): string {
    return `${this.opts.publicUrl.replace(/\/$/, '')}/evidence/${ticketId}/${rel}`;
  }

  /** Creates the bare repo on first use; concurrent callers (several workers) end with one repo. */
  async ensureRepo(): Promise<{ created: boolean }> {
    if (existsSync(path.join(this.repoPath, 'HEAD'))) return { created: false };
    const source = this.opts.source;
    if (!source) {
      throw new CodedError(
        ErrorCode.ConfigInvalid,
        `the local forge has no repo at ${this.repoPath} and no source`,
        {
          hint: 'set LOOPWRIGHT_REPO to a git URL or path, or run `loopwright demo` to create the Datadesk repo',
        },
      );
    }
    mkdirSync(path.dirname(this.repoPath), { recursive: true });
    const tmp = mkdtempSync(`${this.repoPath}.tmp-`);
    try {
      const bare = path.join(tmp, 'repo.git');
      const isGitRepo =
        /^[a-z+]+:\/\//.test(source) || source.endsWith('.git') || existsSync(path.join(source, '.git'));
      if (isGitRepo) {
        await git(['clone', '--bare', '-q', source, bare], { cwd: tmp });
      } else {
        const work = path.join(tmp, 'work');
        cpSync(source, work, {
          recursive: true,
          filter: (src) => !SKIP_DIRS.has(path.basename(src)) || src === source,
        });
        await git(['init', '-q', '-b', this.opts.baseBranch], { cwd: work });
        await commitAll(work, { message: `Import ${this.opts.name}`, author: this.opts.author });
        await git(['clone', '--bare', '-q', work, bare], { cwd: tmp });
      }
      try {
        renameSync(bare, this.repoPath);
      } catch (error) {
        // Another process created it meanwhile: theirs stands.
        if (!existsSync(path.join(this.repoPath, 'HEAD'))) throw error;
        return { created: false };
      }
      return { created: true };
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  async findPullRequest(branch: string): Promise<PullRequestRef | undefined> {
    const { rows } = await this.opts.db.query<PrRow>(
      `SELECT * FROM pull_requests WHERE repo = $1 AND branch = $2 AND state = 'open'`,
      [this.opts.name, branch],
    );
    return rows[0] ? this.ref(rows[0]) : undefined;
  }

  /**
   * Publishes exactly `change.tree`: a branch already holding that tree for this ticket is adopted,
   * one holding a later attempt of it is left alone (stale_attempt), anything else is replaced with
   * a lease on the head read here (only Loopwright writes the local forge's branches).
   */
  async publish(input: PublishInput): Promise<PublishResult> {
    await this.ensureRepo();
    const { change, branch } = input;
    const ticketId = input.ticket.id;
    const found = await git(['rev-parse', '--verify', '-q', `refs/heads/${branch}^{commit}`], {
      gitDir: this.repoPath,
      okCodes: [1],
    });
    const head = found.code === 0 ? await readHead(this.repoPath, found.stdout.trim()) : undefined;
    const verdict =
      head && (await judgeHead(this.repoPath, head, { ticketId, attempt: input.attempt, change }));
    if (head && verdict === 'stale') throw staleAttempt(branch, head, input.attempt);
    const sha = head && verdict === 'adopt' ? head.sha : await this.pushChange(input, head?.sha);
    // One open PR per branch (partial unique index): a retried attempt updates the same PR.
    const { rows } = await this.opts.db.query<PrRow>(
      `INSERT INTO pull_requests (repo, branch, base, title, body, draft, ticket_id, head_sha)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (repo, branch) WHERE state = 'open'
       DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body, draft = EXCLUDED.draft,
                     head_sha = EXCLUDED.head_sha, ticket_id = EXCLUDED.ticket_id, updated_at = now()
       RETURNING *`,
      [this.opts.name, branch, input.baseBranch, input.title, input.body, input.draft, ticketId, sha],
    );
    return { ...this.ref(rows[0]!), commit: sha };
  }

  /** Commits the change and pushes it over `lease` (the head read before; '' = no branch yet). */
  private async pushChange(input: PublishInput, lease = ''): Promise<string> {
    const { change, branch } = input;
    const sha = await commitChange(
      change,
      {
        title: input.title,
        summary: input.ticket.result?.summary ?? '',
        ticketId: input.ticket.id,
        attempt: input.attempt,
      },
      this.opts.author,
    );
    const pushed = await pushCommit({
      gitDir: change.gitDir,
      commit: sha,
      remoteUrl: this.repoPath,
      branch,
      lease,
    });
    if (!pushed.ok) {
      throw new CodedError(ErrorCode.PublishFailed, `the branch ${branch} moved while publishing`, {
        hint: 'another worker published to the same branch at the same time; retry the ticket',
        retryable: true,
      });
    }
    return sha;
  }

  async listPullRequests(): Promise<LocalPullRequest[]> {
    const { rows } = await this.opts.db.query<PrRow>(
      'SELECT * FROM pull_requests WHERE repo = $1 ORDER BY number DESC LIMIT 200',
      [this.opts.name],
    );
    return rows.map((r) => this.view(r));
  }

  async getPullRequest(number: number): Promise<LocalPullRequest | undefined> {
    const { rows } = await this.opts.db.query<PrRow>(
      'SELECT * FROM pull_requests WHERE repo = $1 AND number = $2',
      [this.opts.name, number],
    );
    if (!rows[0]) return undefined;
    const pr = this.view(rows[0]);
    const head = pr.headSha ?? `refs/heads/${pr.branch}`;
    const diff = await git(['diff', `${pr.base}...${head}`], { gitDir: this.repoPath, okCodes: [128] });
    pr.diff = diff.code === 0 ? diff.stdout : undefined;
    return pr;
  }

  /** Fast-forwards the base branch to the PR's head; refuses when the base moved on. */
  async merge(number: number): Promise<LocalPullRequest> {
    const pr = await this.getPullRequest(number);
    if (!pr) throw new CodedError(ErrorCode.NotFound, `no pull request #${number}`);
    if (pr.state !== 'open')
      throw new CodedError(ErrorCode.BadRequest, `pull request #${number} is ${pr.state}`);
    const gitDir = this.repoPath;
    const head = (await git(['rev-parse', `refs/heads/${pr.branch}`], { gitDir })).stdout.trim();
    const base = (await git(['rev-parse', `refs/heads/${pr.base}`], { gitDir })).stdout.trim();
    const ff = await git(['merge-base', '--is-ancestor', base, head], { gitDir, okCodes: [1] });
    if (ff.code !== 0) {
      throw new CodedError(
        ErrorCode.BadRequest,
        `pull request #${number} cannot be fast-forwarded: ${pr.base} moved on`,
        {
          hint: 'retry the ticket so its change is rebuilt on the new base',
        },
      );
    }
    // Compare-and-swap: fails if the base moved between the check and the update.
    await git(['update-ref', `refs/heads/${pr.base}`, head, base], { gitDir });
    await this.opts.db.query(
      `UPDATE pull_requests SET state = 'merged', updated_at = now() WHERE number = $1`,
      [number],
    );
    return { ...pr, state: 'merged' };
  }

  private ref(r: PrRow): PullRequestRef {
    return { url: this.prUrl(r.number), number: r.number, branch: r.branch, draft: r.draft };
  }

  private view(r: PrRow): LocalPullRequest {
    return {
      number: r.number,
      title: r.title,
      body: r.body,
      branch: r.branch,
      base: r.base,
      state: r.state,
      draft: r.draft,
      url: this.prUrl(r.number),
      ...(r.ticket_id ? { ticketId: r.ticket_id } : {}),
      ...(r.head_sha ? { headSha: r.head_sha } : {}),
      createdAt: (r.created_at instanceof Date ? r.created_at : new Date(r.created_at)).toISOString(),
    };
  }
}
