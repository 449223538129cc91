/**
 * One GitHub world for a test: a bare repo served over smart HTTP (token required) and the fake
 * REST API sharing the same accepted tokens, plus config pointing Loopwright at both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../../../src/config/schema.ts';
import { startGitHttpServer, type GitHttpServer } from './git-http.ts';
import { makeBareRepo, makeWorktree } from './repos.ts';
import { startFakeGitHub, type FakeGitHub, type FakeGitHubOptions } from './server.ts';
import { testConfig } from './setup.ts';

export const TOKEN = 'ghp_plantedSecretToken0123456789ABCDEFGHIJ';

export interface GitHubWorld {
  root: string;
  bare: string;
  git: GitHttpServer;
  api: FakeGitHub;
  repoUrl: string;
  config(over?: Record<string, unknown>): Config;
  worktree(branch: string, from?: string): string;
  /** Every worktree made so far (for grepping). */
  worktrees: string[];
  close(): Promise<void>;
}

export async function startGitHubWorld(opts: Partial<FakeGitHubOptions> = {}): Promise<GitHubWorld> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'lw-gh-'));
  const owner = opts.owner ?? 'acme';
  const name = opts.repo ?? 'app';
  const bare = makeBareRepo(root, owner, name);
  const api = await startFakeGitHub({ owner, repo: name, tokens: [TOKEN], bareRepo: bare, ...opts });
  const git = await startGitHttpServer({ root, accepts: (t) => api.tokens.has(t) });
  const repoUrl = `${git.url}/${owner}/${name}.git`;
  const dirs: string[] = [root];
  const worktrees: string[] = [];
  return {
    root,
    bare,
    git,
    api,
    repoUrl,
    config: (over = {}) =>
      testConfig({ githubToken: TOKEN, githubApiUrl: api.url, repo: repoUrl, home: root, ...over }),
    worktrees,
    worktree(branch, from) {
      const wt = makeWorktree(bare, branch, from);
      dirs.push(wt);
      worktrees.push(wt);
      return wt;
    },
    async close() {
      await git.close();
      await api.close();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}
