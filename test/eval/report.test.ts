import { describe, expect, it } from 'vitest';
import { compareRuns, renderCompare, renderHtml, renderTable } from '../../src/eval/report.ts';
import type { TrialRecord } from '../../src/eval/score.ts';
import type { StoredRun } from '../../src/eval/store.ts';

const trial = (
  task: string,
  model: string,
  n: number,
  bucket: TrialRecord['bucket'],
  extra: Partial<TrialRecord> = {},
): TrialRecord => ({
  task,
  model,
  trial: n,
  bucket,
  falseProof: false,
  ticketId: `t_${task}_${model}_${n}`,
  usage: { promptTokens: 0, completionTokens: 0, cachedTokens: 0 },
  timings: {},
  ...extra,
});

const run = (id: string, trials: TrialRecord[]): StoredRun => ({
  id,
  dir: `/home/evals/${id}`,
  meta: {
    id,
    suite: 'evals',
    models: ['a', 'b'],
    tasks: ['kpi', 'sort'],
    trials: 2,
    concurrency: 1,
    startedAt: '2026-12-01T08:00:00Z',
  },
  trials,
});

const baseline = run('20261201-080000-aaaa', [
  trial('kpi', 'a', 1, 'resolved'),
  trial('kpi', 'a', 2, 'resolved'),
  trial('sort', 'a', 1, 'resolved'),
  trial('sort', 'a', 2, 'no_pr'),
]);
const later = run('20261202-080000-bbbb', [
  trial('kpi', 'a', 1, 'resolved', {
    links: { gif: 'evidence/t1/head.gif', diff: 'evidence/t1/diff.patch' },
  }),
  trial('kpi', 'a', 2, 'unresolved', {
    falseProof: true,
    error: { code: 'hidden_check_failed', message: 'expected <b>' },
  }),
  trial('sort', 'a', 1, 'resolved'),
  trial('sort', 'a', 2, 'resolved'),
  trial('kpi', 'b', 1, 'infra_error'),
]);

describe('eval reports', () => {
  it('the terminal table has a row per task, a mark per trial and the scores', () => {
    const text = renderTable(later);
    expect(text).toContain('kpi   ✓✗*     !');
    expect(text).toContain('sort  ✓✓      ·');
    expect(text).toMatch(
      /a: pass@1 75% \[\d+%–\d+%\], pass@2 100%, pass\^2 50%; resolved 3, unresolved 1, no PR 0, infra 0; false proofs 1/,
    );
    expect(text).toContain('b: pass@1 0%');
  });

  it('the HTML page links each trial’s media relative to the page and escapes what trials say', () => {
    const html = renderHtml(later, (rel) => `../runs/x/${rel}`);
    expect(html).toContain('<a href="../runs/x/evidence/t1/head.gif">gif</a>');
    expect(html).toContain('<a href="../runs/x/evidence/t1/diff.patch">diff</a>');
    expect(html).toContain('#2 unresolved · false proof');
    expect(html).toContain('hidden_check_failed: expected &lt;b&gt;');
    expect(html).not.toContain("<b>'");
    expect(html).not.toMatch(/<script|src="http/);
  });

  it('compare marks a task whose resolved share dropped as a regression', () => {
    const rows = compareRuns(baseline, later);
    expect(rows).toEqual([
      { task: 'kpi', model: 'a', baseline: 1, run: 0.5, regression: true },
      { task: 'sort', model: 'a', baseline: 0.5, run: 1, regression: false },
    ]);
    const text = renderCompare(baseline, later);
    expect(text).toMatch(/kpi × a\s+100% →  50%  REGRESSION/);
    expect(text).toMatch(/sort × a\s+50% → 100%  improved/);
    expect(text).toContain('1 regression(s)');
  });
});
