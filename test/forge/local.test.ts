import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProofResult } from '../../src/browser/types.ts';
import { emptyUsage, type Ticket } from '../../src/core/ticket.ts';
import { buildPrBody, diffStat } from '../../src/forge/body.ts';
import { ErrorCode } from '../../src/core/errors.ts';
import { commitAll } from '../../src/forge/git.ts';
import { LocalForge } from '../../src/forge/local.ts';
import type { PublishChange, PublishInput } from '../../src/forge/types.ts';
import { openDb, type Db } from '../../src/tickets/db.ts';
import { migrate } from '../../src/tickets/migrations.ts';
import { changeMaker, type ChangeMaker } from '../helpers/change.ts';
import { makeSourceDir, sh, tempHome } from '../tickets/helpers.ts';

const author = { name: 'Loopwright', email: 'lw@example.com' };

const ticket = (over: Partial<Ticket> = {}): Ticket => ({
  id: 't_0000000000abcde',
  status: 'running',
  stage: 'publishing',
  target: 'fixture',
  request: {
    text: 'Hide a line\nwhen its legend entry is clicked',
    source: 'slack',
    requester: 'U1',
    slack: { channel: 'C1', ts: '1.2', permalink: 'https://example.slack.com/archives/C1/p12' },
  },
  usage: { promptTokens: 1200, completionTokens: 300, cachedTokens: 800, costUsd: 0.0123 },
  timings: {},
  attempts: 1,
  createdAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
  ...over,
});

describe('PR body', () => {
  const dir = '/home/lw/evidence/t_0000000000abcde';
  const proof: ProofResult = {
    outcome: 'proven',
    feedback: 'Proven',
    plan: {
      title: 'Clicking Refunds hides its line',
      steps: [
        { action: 'goto', url: '/dashboards/revenue' },
        { action: 'click', target: { role: 'button', name: 'Refunds' } },
        { action: 'expect_hidden', target: { testId: 'series-refunds' } },
      ],
    },
    runs: [
      {
        label: 'base',
        appUrl: 'http://b',
        verdict: 'failed',
        durationMs: 900,
        steps: [
          { index: 1, action: 'goto', status: 'passed', durationMs: 1 },
          { index: 2, action: 'click', status: 'failed', durationMs: 1, error: 'no button "Refunds"' },
        ],
      },
      {
        label: 'head-1',
        appUrl: 'http://h',
        verdict: 'passed',
        durationMs: 1500,
        steps: [1, 2, 3].map((index) => ({ index, action: 'x', status: 'passed' as const, durationMs: 1 })),
      },
      {
        label: 'head-2',
        appUrl: 'http://h',
        verdict: 'passed',
        durationMs: 1400,
        steps: [1, 2, 3].map((index) => ({ index, action: 'x', status: 'passed' as const, durationMs: 1 })),
      },
    ],
    evidence: {
      dir,
      manifest: `${dir}/manifest.json`,
      video: `${dir}/head.webm`,
      gif: `${dir}/head.gif`,
      screenshots: [`${dir}/steps/head-03.png`, `${dir}/after/dashboards-revenue.png`],
      proof: { base: 'failed', head: ['passed', 'passed'] },
    },
    playwrightTest: "test('x', async () => {});",
  };
  const body = buildPrBody({
    ticket: ticket(),
    summary: 'Legend entries are toggle buttons.',
    files: diffStat(
      'diff --git a/src/a.ts b/src/a.ts\n--- a/src/a.ts\n+++ b/src/a.ts\n@@\n-old\n+new\n+more\n',
    ),
    proof,
    checks: [{ command: 'npm test', ok: true, durationMs: 2100 }],
    review: { verdict: 'approve', comments: [{ path: 'src/a.ts', line: 3, body: 'Fine.' }] },
    evidenceUrl: (rel) => `https://lw.example/evidence/t_0000000000abcde/${rel}`,
    scripted: true,
  });

  it('quotes the request with its Slack permalink', () => {
    expect(body).toContain('> Hide a line\n> when its legend entry is clicked');
    expect(body).toContain('[Slack thread](https://example.slack.com/archives/C1/p12)');
    expect(body).toContain('scripted demo model');
  });

  it('shows the proof: the plan as a checklist, base failing, head passing twice, media links', () => {
    expect(body).toContain('**Fails on the base, passes on the change twice.**');
    expect(body).toContain('- [x] Click button "Refunds" — passed');
    expect(body).toContain('- Base (old code): failed at step 2 (click): no button "Refunds"');
    expect(body).toContain('Change, run 2: passed');
    expect(body).toContain(
      '![before](https://lw.example/evidence/t_0000000000abcde/before/dashboards-revenue.png)',
    );
    expect(body).toContain('(https://lw.example/evidence/t_0000000000abcde/head.gif)');
    expect(body).toContain(
      '[video of the passing run](https://lw.example/evidence/t_0000000000abcde/head.webm)',
    );
  });

  it('lists files, checks, the review, usage and the Playwright test', () => {
    expect(body).toContain('- `src/a.ts` (+2 −1)');
    expect(body).toContain('✅ `npm test` (2.1 s)');
    expect(body).toContain('Reviewer verdict: **approve**');
    expect(body).toContain('- `src/a.ts:3`: Fine.');
    expect(body).toContain('1200 prompt tokens (800 cached), 300 completion tokens, $0.01');
    expect(body).toMatch(
      /<details><summary>The proof as a Playwright test<\/summary>[\s\S]*```ts\ntest\('x'/,
    );
  });

  it('says when there is no proof, and redacts secrets', () => {
    const b = buildPrBody({
      ticket: ticket({ usage: emptyUsage() }),
      summary: 'token ghp_' + 'a'.repeat(36),
      evidenceUrl: (r) => r,
    });
    expect(b).toContain('_No verification run._');
    expect(b).not.toContain('ghp_aaaa');
  });
});

describe('local forge and git helpers', () => {
  const tmp = tempHome('lw-forge-');
  let db: Db;
  let forge: LocalForge;
  const dirs: ChangeMaker[] = [];
  beforeAll(async () => {
    db = await openDb({ home: tmp.home });
    await migrate(db);
    forge = new LocalForge({
      db,
      home: tmp.home,
      name: 'fx',
      baseBranch: 'main',
      publicUrl: 'http://x:1/',
      author,
      source: makeSourceDir(tmp.home),
    });
  });
  afterAll(async () => {
    await db?.close();
    for (const d of dirs) d.cleanup();
    tmp.cleanup();
  });

  it('creates the bare repo once, even when asked concurrently', async () => {
    const results = await Promise.all([forge.ensureRepo(), forge.ensureRepo(), forge.ensureRepo()]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(sh(forge.repoPath, 'log', '--format=%an %s', 'main').trim()).toBe('Loopwright Import fx');
  });

  it('commits a directory it created itself, with no hooks run', async () => {
    const dir = path.join(tmp.home, 'own');
    mkdirSync(path.join(dir, '.git', 'hooks'), { recursive: true });
    sh(dir, 'init', '-q', '-b', 'main');
    writeFileSync(path.join(dir, '.git', 'hooks', 'pre-commit'), `#!/bin/sh\ntouch '${dir}/hook-ran'\n`, {
      mode: 0o755,
    });
    writeFileSync(path.join(dir, 'a.txt'), 'a\n');
    const sha = await commitAll(dir, { message: 'Import', author });
    expect(sh(dir, 'rev-parse', 'HEAD').trim()).toBe(sha);
    expect(sh(dir, 'log', '-1', '--format=%an|%s').trim()).toBe('Loopwright|Import');
    expect(existsSync(path.join(dir, 'hook-ran'))).toBe(false);
  });

  const input = (id: string, change: PublishChange, over: Partial<PublishInput> = {}): PublishInput => ({
    ticket: ticket({ id }),
    change,
    attempt: 1,
    branch: `loopwright/${id}`,
    baseBranch: 'main',
    title: 'Docs',
    body: 'b1',
    draft: false,
    ...over,
  });
  const head = (branch: string) => sh(forge.repoPath, 'rev-parse', `refs/heads/${branch}`).trim();

  it('pushes exactly the proven tree with ticket and attempt trailers, one PR per branch', async () => {
    const mirror = changeMaker(forge.cloneUrl());
    dirs.push(mirror);
    const change = await mirror.change({ 'docs/x.md': 'x\n' });
    const pr1 = await forge.publish(input('t_2', change));
    expect(sh(forge.repoPath, 'rev-parse', `${pr1.commit}^{tree}`).trim()).toBe(change.tree);
    expect(sh(forge.repoPath, 'rev-parse', `${pr1.commit}^`).trim()).toBe(change.parent);
    expect(head('loopwright/t_2')).toBe(pr1.commit);
    const message = sh(forge.repoPath, 'log', '-1', '--format=%B', pr1.commit);
    expect(message).toMatch(/^Loopwright-Ticket: t_2$/m);
    expect(message).toMatch(/^Loopwright-Attempt: 1$/m);

    // The same attempt again (a retried publish): the branch already holds the tree, adopted.
    const pr2 = await forge.publish(input('t_2', change, { body: 'b2', draft: true }));
    expect(pr2).toMatchObject({ number: pr1.number, commit: pr1.commit });
    expect(pr1.url).toBe(`http://x:1/prs/${pr1.number}`);
    expect(await forge.findPullRequest('loopwright/t_2')).toMatchObject({ number: pr1.number, draft: true });
    expect((await forge.getPullRequest(pr1.number))?.body).toBe('b2');
    expect((await forge.listPullRequests()).map((p) => p.number)).toContain(pr1.number);

    // A later attempt with another tree replaces it; the earlier attempt then may not come back.
    const other = await mirror.change({ 'docs/x.md': 'y\n' });
    const pr3 = await forge.publish(input('t_2', other, { attempt: 2 }));
    expect(pr3.number).toBe(pr1.number);
    expect(sh(forge.repoPath, 'rev-parse', `refs/heads/loopwright/t_2^{tree}`).trim()).toBe(other.tree);
    expect(sh(forge.repoPath, 'rev-list', '--count', 'main..loopwright/t_2').trim()).toBe('1');
    const stale = await mirror.change({ 'docs/x.md': 'z\n' });
    await expect(forge.publish(input('t_2', stale, { attempt: 1 }))).rejects.toMatchObject({
      code: ErrorCode.StaleAttempt,
    });
    expect(head('loopwright/t_2')).toBe(pr3.commit);
    expect((await forge.getPullRequest(pr1.number))?.headSha).toBe(pr3.commit);
  });

  it('stacks a follow-up ticket on the branch, then refuses to merge once the base moved on', async () => {
    const mirror = changeMaker(forge.cloneUrl());
    dirs.push(mirror);
    const first = await forge.publish(input('t_3', await mirror.change({ 'a.md': '1\n' })));
    mirror.refresh();
    const follow = await mirror.change({ 'a.md': '2\n' }, 'loopwright/t_3');
    const second = await forge.publish(input('t_4', follow, { branch: 'loopwright/t_3' }));
    expect(second.number).toBe(first.number);
    expect(sh(forge.repoPath, 'rev-parse', `${second.commit}^`).trim()).toBe(first.commit);

    // Move main on (another PR merged first): fast-forward is impossible now.
    const other = path.join(tmp.home, 'other');
    sh(tmp.home, 'clone', '-q', forge.cloneUrl(), other);
    writeFileSync(path.join(other, 'other.txt'), 'o\n');
    sh(other, 'add', '-A');
    sh(other, 'commit', '-q', '-m', 'other');
    sh(other, 'push', '-q', 'origin', 'HEAD:main');
    await expect(forge.merge(first.number)).rejects.toMatchObject({ code: 'bad_request' });
    await expect(forge.merge(999)).rejects.toMatchObject({ code: 'not_found' });
  });
});
