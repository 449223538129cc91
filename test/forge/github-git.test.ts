/**
 * Commits and pushes over real transports: file:// and smart HTTP through `git http-backend`
 * behind a server that demands the token. Includes the non-fast-forward cases.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodedError, ErrorCode } from '../../src/core/errors.ts';
import { commitWorktree, gitAuthEnv } from '../../src/forge/github-git.ts';
import { pushBranch } from '../../src/forge/github-push.ts';
import { startGitHttpServer, type GitHttpServer } from '../fakes/github/git-http.ts';
import { filesContaining, makeBareRepo, makeWorktree, sh } from '../fakes/github/repos.ts';
import { memoryLogger } from '../fakes/github/setup.ts';

const TOKEN = 'ghs_plantedTOKENvalue0123456789abcdefXYZ';
const author = { name: 'Loopwright', email: 'loopwright@users.noreply.github.com' };

describe('commit and push', () => {
  let root: string;
  let bare: string;
  let server: GitHttpServer;
  let httpUrl: string;
  const dirs: string[] = [];
  const { log, lines } = memoryLogger();

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'lw-gh-git-'));
    bare = makeBareRepo(root, 'acme', 'app');
    server = await startGitHttpServer({ root, accepts: (t) => t === TOKEN });
    httpUrl = `${server.url}/acme/app.git`;
  });
  afterAll(async () => {
    await server?.close();
    for (const d of [root, ...dirs]) rmSync(d, { recursive: true, force: true });
  });

  const worktree = (branch: string, from?: string) => {
    const wt = makeWorktree(bare, branch, from);
    dirs.push(wt);
    return wt;
  };
  const change = (wt: string, file: string, content: string) => writeFileSync(path.join(wt, file), content);
  const commit = (wt: string, ticketId: string) =>
    commitWorktree({
      worktree: wt,
      ticketId,
      title: 'Make the button blue',
      summary: 'It is blue now.',
      author,
    });

  /** Pushes as the bot; over smart HTTP with the planted token unless told otherwise. */
  const push = (
    worktree: string,
    branch: string,
    ticketId: string,
    over: { url?: string; token?: string } = {},
  ) => {
    const url = over.url ?? httpUrl;
    return pushBranch({
      worktree,
      url,
      branch,
      ticketId,
      authEnv: gitAuthEnv(url, over.token ?? TOKEN),
      author,
      log,
    });
  };

  it('commits as the bot with the ticket trailer and pushes over smart HTTP with the token', async () => {
    const wt = worktree('loopwright/t_a-blue');
    change(wt, 'app.js', 'export const color = "blue";\n');
    await commit(wt, 't_a');
    const result = await push(wt, 'loopwright/t_a-blue', 't_a');
    expect(result.via).toBe('push');
    expect(sh(bare, 'rev-parse', 'refs/heads/loopwright/t_a-blue')).toBe(result.sha);
    expect(
      sh(bare, 'log', '-1', '--format=%an <%ae>|%s|%(trailers:key=Loopwright-Ticket,valueonly)', result.sha),
    ).toBe('Loopwright <loopwright@users.noreply.github.com>|Make the button blue|t_a');
    // The transport really demanded and got the credential.
    expect(server.requests.some((r) => r.path.endsWith('git-receive-pack') && r.authorized)).toBe(true);
    // The token is nowhere in the worktree (incl. .git), nor in the log.
    expect(filesContaining(wt, TOKEN)).toEqual([]);
    expect(filesContaining(wt, Buffer.from(`x-access-token:${TOKEN}`).toString('base64'))).toEqual([]);
    expect(sh(wt, 'config', '--list')).not.toContain(TOKEN);
    expect(lines.join('')).not.toContain(TOKEN);
  });

  it('refuses a wrong token with PublishFailed and no token in the message', async () => {
    const wt = worktree('loopwright/t_b-x');
    change(wt, 'b.txt', 'b\n');
    await commit(wt, 't_b');
    const wrong = 'ghs_wrongTOKENvalue0123456789abcdefXYZ';
    const error = await push(wt, 'loopwright/t_b-x', 't_b', { token: wrong }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodedError);
    expect((error as CodedError).code).toBe(ErrorCode.PublishFailed);
    expect((error as CodedError).describe()).not.toContain(wrong);
    expect(server.requests.some((r) => r.hadCredential && !r.authorized)).toBe(true);
    expect(sh(bare, 'branch', '--list', 'loopwright/t_b-x')).toBe('');
  });

  it('pushes over file:// without any credential', async () => {
    const wt = worktree('loopwright/t_c-file');
    change(wt, 'c.txt', 'c\n');
    await commit(wt, 't_c');
    const url = `file://${bare}`;
    const result = await push(wt, 'loopwright/t_c-file', 't_c', { url });
    expect(result.via).toBe('push');
    expect(gitAuthEnv(url, TOKEN)).toEqual({});
  });

  it('rebases onto a branch someone else pushed to, and pushes once more', async () => {
    const branch = 'loopwright/t_d-rebase';
    const mine = worktree(branch);
    // Someone pushes an unrelated commit to the ticket branch first.
    const theirs = worktree(branch);
    change(theirs, 'docs.md', 'notes\n');
    sh(theirs, 'add', '-A');
    sh(theirs, 'commit', '-q', '-m', 'docs by a human');
    sh(theirs, 'push', '-q', bare, `HEAD:refs/heads/${branch}`);

    change(mine, 'app.js', 'export const color = "green";\n');
    await commit(mine, 't_d');
    const result = await push(mine, branch, 't_d');
    expect(result.via).toBe('rebased');
    const subjects = sh(bare, 'log', '--format=%s', `refs/heads/${branch}`).split('\n');
    expect(subjects.slice(0, 2)).toEqual(['Make the button blue', 'docs by a human']);
  });

  it('stops with PublishFailed and a hint when the pushed-to branch conflicts', async () => {
    const branch = 'loopwright/t_e-conflict';
    const mine = worktree(branch);
    const theirs = worktree(branch);
    change(theirs, 'app.js', 'export const color = "purple";\n');
    sh(theirs, 'commit', '-q', '-am', 'purple');
    sh(theirs, 'push', '-q', bare, `HEAD:refs/heads/${branch}`);
    change(mine, 'app.js', 'export const color = "orange";\n');
    await commit(mine, 't_e');
    const error = (await push(mine, branch, 't_e').catch((e: unknown) => e)) as CodedError;
    expect(error.code).toBe(ErrorCode.PublishFailed);
    expect(error.hint).toMatch(/pushed/);
    // The worktree is left clean, not mid-rebase, and the remote untouched.
    expect(sh(mine, 'status', '--porcelain')).toBe('');
    expect(sh(bare, 'log', '-1', '--format=%s', `refs/heads/${branch}`)).toBe('purple');
  });

  it('adopts an earlier attempt of the same ticket with the same change, and replaces one with another change', async () => {
    const branch = 'loopwright/t_f-retry';
    const first = worktree(branch);
    change(first, 'app.js', 'export const color = "teal";\n');
    await commit(first, 't_f');
    await push(first, branch, 't_f');
    const firstSha = sh(bare, 'rev-parse', `refs/heads/${branch}`);

    await new Promise((r) => setTimeout(r, 1100)); // a later commit time, so a different sha
    const same = worktree(branch);
    change(same, 'app.js', 'export const color = "teal";\n');
    await commit(same, 't_f');
    expect(sh(same, 'rev-parse', 'HEAD')).not.toBe(firstSha);
    const adopted = await push(same, branch, 't_f');
    expect(adopted).toEqual({ sha: firstSha, via: 'up-to-date' });

    const other = worktree(branch);
    change(other, 'app.js', 'export const color = "navy";\n');
    await commit(other, 't_f');
    const replaced = await push(other, branch, 't_f');
    expect(replaced.via).toBe('replaced');
    expect(sh(bare, 'show', `refs/heads/${branch}:app.js`)).toBe('export const color = "navy";');
    expect(sh(bare, 'rev-list', '--count', `main..refs/heads/${branch}`)).toBe('1');
  });
});
