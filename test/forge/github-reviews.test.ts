/**
 * Each reviewer's comments reach GitHub as a pull request review: line comments on the diff lines
 * they name, the rest in the review's body, attributed to the reviewer. The fake checks every
 * request against GitHub's REST description and refuses, as GitHub does, a comment off the diff.
 */
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReviewerVerdict } from '../../src/core/ticket.ts';
import { createGitHubForge } from '../../src/forge/github.ts';
import { commentableLines } from '../../src/forge/github-reviews.ts';
import type { PublishChange, PublishInput } from '../../src/forge/types.ts';
import { diffTrees } from '../../src/sandbox/tree.ts';
import { startGitHubWorld, TOKEN, type GitHubWorld } from '../fakes/github/harness.ts';
import { memoryLogger, testTicket } from '../fakes/github/setup.ts';
import { changeMaker, type ChangeMaker } from '../helpers/change.ts';

const QUERY = ['export function sum(xs) {', '  return xs.reduce((a, b) => a + b, 0);', '}', ''].join('\n');
const BUTTON = [
  'export const Button = () => (',
  '  <button onClick={go}>',
  '    <Icon />',
  '  </button>',
  ');',
  '',
].join('\n');

describe('reviews posted on GitHub', () => {
  let world: GitHubWorld;
  let mirror: ChangeMaker;
  const logs = memoryLogger();
  beforeAll(async () => {
    world = await startGitHubWorld();
    mirror = changeMaker(world.bare);
  });
  afterAll(async () => {
    await world.close();
    mirror?.cleanup();
  });

  /** Publishes `change` as ticket `id`'s PR through the GitHub forge. */
  const publish = (id: string, change: PublishChange, extra: Partial<PublishInput> = {}) =>
    createGitHubForge({ config: world.config(), log: logs.log }).publish({
      ticket: testTicket(id),
      change,
      attempt: 1,
      branch: `loopwright/${id}`,
      baseBranch: 'main',
      title: id,
      body: 'b',
      draft: false,
      ...extra,
    });

  it('puts each reviewer comment on the diff line it names, and the others in the body', async () => {
    const change = await mirror.change({ 'src/query/sum.js': QUERY, 'src/components/Button.jsx': BUTTON });
    const diff = await diffTrees(change.gitDir, change.parent, change.tree);
    const reviews: ReviewerVerdict[] = [
      { reviewer: 'general', required: true, round: 1, verdict: 'approve', comments: [] },
      {
        reviewer: 'query-team',
        required: true,
        round: 1,
        verdict: 'approve',
        comments: [
          { path: 'src/query/sum.js', line: 2, body: 'A unit test for sum() would be welcome.' },
          { path: 'README.md', line: 1, body: 'Mention sum() in the README.' },
        ],
      },
      {
        reviewer: 'ui-team',
        required: false,
        round: 2,
        verdict: 'reject',
        comments: [
          { path: 'src/components/Button.jsx', line: 2, body: 'This button has no accessible name.' },
          { body: 'Prefer a labelled icon button.' },
        ],
      },
    ];
    const pr = await publish('t_rev', change, { reviews, diff });
    expect(world.api.violations).toEqual([]);
    expect(world.api.callsOf('pulls/create-review')).toHaveLength(2);
    const [query, ui] = world.api.reviews;
    expect(query).toMatchObject({ pull_number: pr.number, commit_id: pr.commit, event: 'COMMENT' });
    expect(query!.body).toContain('**query-team** (required) — approved');
    expect(query!.body).toContain('`README.md:1`: Mention sum() in the README.');
    expect(query!.comments).toEqual([
      {
        path: 'src/query/sum.js',
        line: 2,
        side: 'RIGHT',
        body: '**query-team**: A unit test for sum() would be welcome.',
      },
    ]);
    expect(ui!.body).toContain('**ui-team** (not required) — rejected, round 2');
    expect(ui!.body).toContain('Prefer a labelled icon button.');
    expect(ui!.comments).toEqual([
      {
        path: 'src/components/Button.jsx',
        line: 2,
        side: 'RIGHT',
        body: '**ui-team**: This button has no accessible name.',
      },
    ]);
  });

  it('the fake refuses, as GitHub does, a comment off the diff and a comment without a body', async () => {
    const change = await mirror.change({ 'src/query/avg.js': QUERY });
    const pr = await publish('t_off', change);
    const octokit = new Octokit({ auth: TOKEN, baseUrl: world.api.url });
    const at = { owner: 'acme', repo: 'app', pull_number: pr.number, event: 'COMMENT' as const };
    const off = octokit.rest.pulls.createReview({
      ...at,
      comments: [{ path: 'app.js', line: 1, body: 'x' }],
    });
    await expect(off).rejects.toMatchObject({ status: 422 });
    const before = world.api.violations.length;
    const bad = octokit.rest.pulls.createReview({
      ...at,
      comments: [{ path: 'src/query/avg.js', line: 1 } as unknown as { path: string; body: string }],
    });
    await expect(bad).rejects.toMatchObject({ status: 422 });
    expect(world.api.violations.slice(before).join('\n')).toContain('pulls/create-review');
    world.api.violations.splice(before);
  });

  it('knows which new-side lines a diff shows', () => {
    const diff = [
      'diff --git a/a.js b/a.js',
      '--- a/a.js',
      '+++ b/a.js',
      '@@ -1,3 +1,4 @@',
      ' one',
      '-two',
      '+deux',
      '+trois',
      ' four',
      'diff --git a/gone.js b/gone.js',
      '--- a/gone.js',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-bye',
    ].join('\n');
    const lines = commentableLines(diff);
    expect([...lines.get('a.js')!]).toEqual([1, 2, 3, 4]);
    expect(lines.has('gone.js')).toBe(false);
  });
});
