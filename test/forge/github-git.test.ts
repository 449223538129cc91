/**
 * Committing the proven tree in the trusted git dir and pushing exactly that commit, over real
 * transports: file:// and smart HTTP through `git http-backend` behind a server that demands the
 * token. Includes a branch that moved under us: adopted, replaced, refused as stale, or refused
 * because someone else pushed (never rebased: a rebased tree was never proven).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodedError, ErrorCode } from '../../src/core/errors.ts';
import { commitChange } from '../../src/forge/change.ts';
import { gitAuthEnv } from '../../src/forge/github-git.ts';
import { pushChange } from '../../src/forge/github-push.ts';
import type { PublishChange } from '../../src/forge/types.ts';
import { startGitHttpServer, type GitHttpServer } from '../fakes/github/git-http.ts';
import { filesContaining, makeBareRepo, makeWorktree, sh } from '../fakes/github/repos.ts';
import { memoryLogger } from '../fakes/github/setup.ts';
import { changeMaker, type ChangeMaker } from '../helpers/change.ts';

const TOKEN = 'ghs_plantedTOKENvalue0123456789abcdefXYZ';
const author = { name: 'Loopwright', email: 'loopwright@users.noreply.github.com' };

describe('commit and push the proven tree', () => {
  let root: string;
  let bare: string;
  let server: GitHttpServer;
  let httpUrl: string;
  let mirror: ChangeMaker;
  const dirs: string[] = [];
  const { log, lines } = memoryLogger();

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'lw-gh-git-'));
    bare = makeBareRepo(root, 'acme', 'app');
    server = await startGitHttpServer({ root, accepts: (t) => t === TOKEN });
    httpUrl = `${server.url}/acme/app.git`;
    mirror = changeMaker(bare);
  });
  afterAll(async () => {
    await server?.close();
    mirror?.cleanup();
    for (const d of [root, ...dirs]) rmSync(d, { recursive: true, force: true });
  });

  /** Commits `change` as the bot and pushes it; over smart HTTP with the planted token unless told otherwise. */
  const publish = async (
    change: PublishChange,
    branch: string,
    ticketId: string,
    over: { url?: string; token?: string; attempt?: number } = {},
  ) => {
    const url = over.url ?? httpUrl;
    const attempt = over.attempt ?? 1;
    const message = { title: 'Make the button blue', summary: 'It is blue now.', ticketId, attempt };
    const commit = await commitChange(change, message, author);
    return pushChange({
      change,
      commit,
      url,
      branch,
      ticketId,
      attempt,
      authEnv: gitAuthEnv(url, over.token ?? TOKEN),
      log,
    });
  };
  const remoteHead = (branch: string) => sh(bare, 'rev-parse', `refs/heads/${branch}`);

  /** Someone else's commit on `branch` (from main unless it exists), pushed with plain git. */
  const pushByHand = (branch: string, file: string, content: string, from = 'main') => {
    const wt = makeWorktree(bare, `hand-${branch}`, from);
    dirs.push(wt);
    writeFileSync(path.join(wt, file), content);
    sh(wt, 'add', '-A');
    sh(wt, 'commit', '-q', '-m', 'by a human');
    sh(wt, 'push', '-q', '-f', bare, `HEAD:refs/heads/${branch}`);
    return sh(wt, 'rev-parse', 'HEAD');
  };

  it('commits the exact tree as the bot with ticket and attempt trailers, and pushes it with the token', async () => {
    const change = await mirror.change({ 'app.js': 'export const color = "blue";\n' });
    const result = await publish(change, 'loopwright/t_a-blue', 't_a');
    expect(result.via).toBe('push');
    expect(remoteHead('loopwright/t_a-blue')).toBe(result.sha);
    expect(sh(bare, 'rev-parse', `${result.sha}^{tree}`)).toBe(change.tree);
    expect(sh(bare, 'rev-parse', `${result.sha}^`)).toBe(change.parent);
    expect(sh(bare, 'log', '-1', '--format=%an <%ae>|%s', result.sha)).toBe(
      'Loopwright <loopwright@users.noreply.github.com>|Make the button blue',
    );
    expect(sh(bare, 'log', '-1', '--format=%(trailers:only)', result.sha)).toBe(
      'Loopwright-Ticket: t_a\nLoopwright-Attempt: 1',
    );
    // The transport really demanded and got the credential.
    expect(server.requests.some((r) => r.path.endsWith('git-receive-pack') && r.authorized)).toBe(true);
    // The token is nowhere in the trusted git dir (config included), nor in the log.
    expect(filesContaining(mirror.gitDir, TOKEN)).toEqual([]);
    expect(filesContaining(mirror.gitDir, Buffer.from(`x-access-token:${TOKEN}`).toString('base64'))).toEqual(
      [],
    );
    expect(lines.join('')).not.toContain(TOKEN);
  });

  it('refuses a wrong token with PublishFailed and no token in the message', async () => {
    const change = await mirror.change({ 'b.txt': 'b\n' });
    const wrong = 'ghs_wrongTOKENvalue0123456789abcdefXYZ';
    const error = await publish(change, 'loopwright/t_b-x', 't_b', { token: wrong }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodedError);
    expect((error as CodedError).code).toBe(ErrorCode.PublishFailed);
    expect((error as CodedError).describe()).not.toContain(wrong);
    expect(server.requests.some((r) => r.hadCredential && !r.authorized)).toBe(true);
    expect(sh(bare, 'branch', '--list', 'loopwright/t_b-x')).toBe('');
  });

  it('pushes over file:// without any credential', async () => {
    const change = await mirror.change({ 'c.txt': 'c\n' });
    const url = `file://${bare}`;
    const result = await publish(change, 'loopwright/t_c-file', 't_c', { url });
    expect(result.via).toBe('push');
    expect(gitAuthEnv(url, TOKEN)).toEqual({});
  });

  it('stops with PublishFailed when someone else pushed to the branch, overwriting nothing', async () => {
    const branch = 'loopwright/t_d-moved';
    const theirs = pushByHand(branch, 'docs.md', 'notes\n');
    const change = await mirror.change({ 'app.js': 'export const color = "green";\n' });
    const error = (await publish(change, branch, 't_d').catch((e: unknown) => e)) as CodedError;
    expect(error).toBeInstanceOf(CodedError);
    expect(error.code).toBe(ErrorCode.PublishFailed);
    expect(error.hint).toMatch(/retried from the new branch state/);
    expect(remoteHead(branch)).toBe(theirs);
    // Also when our ticket's commit sits on top of theirs but ours was built without it.
    const mine = await publish(change, 'loopwright/t_d-own', 't_d');
    pushByHand('loopwright/t_d-own', 'docs.md', 'notes\n', 'loopwright/t_d-own');
    const retry = await mirror.change({ 'app.js': 'export const color = "lime";\n' });
    const again = (await publish(retry, 'loopwright/t_d-own', 't_d', { attempt: 2 }).catch(
      (e: unknown) => e,
    )) as CodedError;
    expect(again.code).toBe(ErrorCode.PublishFailed);
    expect(sh(bare, 'rev-parse', 'refs/heads/loopwright/t_d-own~1')).toBe(mine.sha);
  });

  it('refuses a stale attempt: the branch holds attempt 2, attempt 1 leaves it unchanged', async () => {
    const branch = 'loopwright/t_e-stale';
    const second = await publish(await mirror.change({ 'app.js': 'two\n' }), branch, 't_e', { attempt: 2 });
    const error = (await publish(await mirror.change({ 'app.js': 'one\n' }), branch, 't_e', {
      attempt: 1,
    }).catch((e: unknown) => e)) as CodedError;
    expect(error).toBeInstanceOf(CodedError);
    expect(error.code).toBe(ErrorCode.StaleAttempt);
    expect(remoteHead(branch)).toBe(second.sha);
  });

  it('adopts an earlier attempt holding the same tree, and replaces one holding another', async () => {
    const branch = 'loopwright/t_f-retry';
    const first = await publish(await mirror.change({ 'app.js': 'teal\n' }), branch, 't_f');
    const same = await publish(await mirror.change({ 'app.js': 'teal\n' }), branch, 't_f', { attempt: 2 });
    expect(same).toEqual({ sha: first.sha, via: 'up-to-date' });

    const other = await mirror.change({ 'app.js': 'navy\n' });
    const replaced = await publish(other, branch, 't_f', { attempt: 3 });
    expect(replaced.via).toBe('replaced');
    expect(remoteHead(branch)).toBe(replaced.sha);
    expect(sh(bare, 'rev-parse', `refs/heads/${branch}^{tree}`)).toBe(other.tree);
    expect(sh(bare, 'rev-list', '--count', `main..refs/heads/${branch}`)).toBe('1');
  });

  it('replaces an earlier attempt built on an older base that this change contains', async () => {
    const branch = 'loopwright/t_g-rebased-base';
    const first = await publish(await mirror.change({ 'app.js': 'one\n' }), branch, 't_g');
    pushByHand('main', 'NEWS.md', 'main moved on\n');
    mirror.refresh();
    const retry = await mirror.change({ 'app.js': 'two\n' });
    expect(retry.parent).not.toBe(sh(bare, 'rev-parse', `${first.sha}^`));
    const replaced = await publish(retry, branch, 't_g', { attempt: 2 });
    expect(replaced.via).toBe('replaced');
    expect(sh(bare, 'rev-parse', `refs/heads/${branch}^{tree}`)).toBe(retry.tree);
  });
});
