import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProofResult } from '../../src/browser/types.ts';
import { emptyUsage, type Ticket } from '../../src/core/ticket.ts';
import { buildPrBody, diffStat } from '../../src/forge/body.ts';
import { commitAll, push } from '../../src/forge/git.ts';
import { LocalForge } from '../../src/forge/local.ts';
import { openDb, type Db } from '../../src/tickets/db.ts';
import { migrate } from '../../src/tickets/migrations.ts';
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
    tmp.cleanup();
  });

  it('creates the bare repo once, even when asked concurrently', async () => {
    const results = await Promise.all([forge.ensureRepo(), forge.ensureRepo(), forge.ensureRepo()]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(sh(forge.repoPath, 'log', '--format=%an %s', 'main').trim()).toBe('Loopwright Import fx');
  });

  it('commits with trailers, skips a clean tree, and pushes with per-command env only', async () => {
    const wt = path.join(tmp.home, 'wt1');
    sh(tmp.home, 'clone', '-q', forge.cloneUrl(), wt);
    expect((await commitAll(wt, { message: 'nothing', author })).committed).toBe(false);
    writeFileSync(path.join(wt, 'new.txt'), 'hi\n');
    const c = await commitAll(wt, {
      message: 'Add new.txt',
      author,
      trailers: { 'Loopwright-Ticket': 't_1' },
    });
    expect(c.committed).toBe(true);
    expect(sh(wt, 'log', '-1', '--format=%B')).toContain('Loopwright-Ticket: t_1');
    await push(wt, forge.cloneUrl(), 'feature/a');
    expect(sh(forge.repoPath, 'rev-parse', 'feature/a').trim()).toBe(c.sha);
  });

  it('publishes one PR per branch, then refuses to merge once the base moved on', async () => {
    const wt = path.join(tmp.home, 'wt2');
    sh(tmp.home, 'clone', '-q', forge.cloneUrl(), wt);
    sh(wt, 'checkout', '-q', '-b', 'loopwright/t_2');
    mkdirSync(path.join(wt, 'docs'), { recursive: true });
    writeFileSync(path.join(wt, 'docs', 'x.md'), 'x\n');
    const input = {
      ticket: ticket({ id: 't_2' }),
      worktree: wt,
      branch: 'loopwright/t_2',
      baseBranch: 'main',
      title: 'Docs',
      body: 'b1',
      draft: false,
    };
    const pr1 = await forge.publish(input);
    const pr2 = await forge.publish({ ...input, body: 'b2', draft: true });
    expect(pr2.number).toBe(pr1.number);
    expect(pr1.url).toBe(`http://x:1/prs/${pr1.number}`);
    expect(await forge.findPullRequest('loopwright/t_2')).toMatchObject({ number: pr1.number, draft: true });
    expect((await forge.getPullRequest(pr1.number))?.body).toBe('b2');
    expect((await forge.listPullRequests()).map((p) => p.number)).toContain(pr1.number);

    // Move main on (another PR merged first): fast-forward is impossible now.
    const other = path.join(tmp.home, 'wt3');
    sh(tmp.home, 'clone', '-q', forge.cloneUrl(), other);
    writeFileSync(path.join(other, 'other.txt'), 'o\n');
    await commitAll(other, { message: 'other', author });
    await push(other, forge.cloneUrl(), 'main');
    await expect(forge.merge(pr1.number)).rejects.toMatchObject({ code: 'bad_request' });
    await expect(forge.merge(999)).rejects.toMatchObject({ code: 'not_found' });
  });
});
