/**
 * Reading a run: a terminal table (task × model, one mark per trial, the scores under it), one
 * self-contained HTML page (the same grid; each trial links its GIF, video, diff and transcript)
 * and the comparison of two runs with regressions marked. Pure functions of the stored run.
 */
import type { ModelScore, TrialRecord } from './score.ts';
import { scoreRun } from './score.ts';
import type { StoredRun } from './store.ts';

const MARK: Record<TrialRecord['bucket'], string> = {
  resolved: '✓',
  unresolved: '✗',
  no_pr: '–',
  infra_error: '!',
};

const grid = (run: StoredRun) => {
  const tasks = [...new Set([...(run.meta.tasks ?? []), ...run.trials.map((t) => t.task)])].filter((t) =>
    run.trials.some((r) => r.task === t),
  );
  const models = [...new Set(run.trials.map((t) => t.model))];
  const cell = (task: string, model: string) =>
    run.trials.filter((t) => t.task === task && t.model === model).sort((a, b) => a.trial - b.trial);
  return { tasks, models, cell };
};

const scoresOf = (run: StoredRun): Record<string, ModelScore> =>
  run.meta.scores ?? scoreRun(run.trials, run.meta.trials);

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

export function renderTable(run: StoredRun): string {
  const { tasks, models, cell } = grid(run);
  const width = Math.max(4, ...tasks.map((t) => t.length));
  const cols = models.map((m) => Math.max(m.length, 6));
  const row = (first: string, cells: string[]) =>
    `${first.padEnd(width)}  ${cells.map((c, i) => c.padEnd(cols[i]!)).join('  ')}`.trimEnd();
  const lines = [`Run ${run.id} — ${run.meta.suite}`, '', row('task', models)];
  for (const task of tasks) {
    const marks = models.map((m) => {
      const ts = cell(task, m);
      return ts.length ? ts.map((t) => MARK[t.bucket] + (t.falseProof ? '*' : '')).join('') : '·';
    });
    lines.push(row(task, marks));
  }
  lines.push('', '✓ resolved  ✗ unresolved  – no PR  ! infra error  * false proof', '');
  for (const [model, s] of Object.entries(scoresOf(run))) {
    lines.push(
      `${model}: pass@1 ${pct(s.pass1)} [${pct(s.pass1Ci95[0])}–${pct(s.pass1Ci95[1])}], pass@${s.k} ${pct(s.passAtK)}, ` +
        `pass^${s.k} ${pct(s.passHatK)}; resolved ${s.resolved}, unresolved ${s.unresolved}, no PR ${s.noPr}, ` +
        `infra ${s.infraError}; false proofs ${s.falseProofs}` +
        (s.meanCostUsdPerResolved !== undefined ? `; $${s.meanCostUsdPerResolved.toFixed(3)}/resolved` : '') +
        (s.meanMsPerResolved !== undefined ? `; ${(s.meanMsPerResolved / 1000).toFixed(0)} s/resolved` : ''),
    );
  }
  return lines.join('\n');
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The HTML page; `href` turns a link relative to the run directory into one the page can follow. */
export function renderHtml(run: StoredRun, href: (rel: string) => string = (rel) => rel): string {
  const { tasks, models, cell } = grid(run);
  const scores = scoresOf(run);
  const trialHtml = (t: TrialRecord) => {
    const links = (['gif', 'video', 'diff', 'transcript', 'trajectory'] as const)
      .filter((k) => t.links?.[k])
      .map((k) => `<a href="${esc(href(t.links![k]!))}">${k}</a>`)
      .join(' ');
    const why = t.error ? ` title="${esc(`${t.error.code}: ${t.error.message}`)}"` : '';
    return `<li class="${t.bucket}"${why}><b>#${t.trial} ${t.bucket.replace('_', ' ')}${t.falseProof ? ' · false proof' : ''}</b> <small>${esc(t.ticketId)}</small><br>${links}</li>`;
  };
  const head = models.map((m) => `<th scope="col">${esc(m)}</th>`).join('');
  const body = tasks
    .map(
      (task) =>
        `<tr><th scope="row">${esc(task)}</th>${models.map((m) => `<td><ul>${cell(task, m).map(trialHtml).join('')}</ul></td>`).join('')}</tr>`,
    )
    .join('\n');
  const foot = models
    .map((m) => {
      const s = scores[m];
      return s
        ? `<td>pass@1 ${pct(s.pass1)} <small>[${pct(s.pass1Ci95[0])}–${pct(s.pass1Ci95[1])}]</small><br>pass@${s.k} ${pct(s.passAtK)} · pass^${s.k} ${pct(s.passHatK)}<br>false proofs ${s.falseProofs}</td>`
        : '<td></td>';
    })
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Eval run ${esc(run.id)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:2rem;color:#1d2330}
table{border-collapse:collapse}th,td{border:1px solid #d5d9e0;padding:.5rem;vertical-align:top;text-align:left}
ul{list-style:none;margin:0;padding:0}li{margin:.2rem 0;padding:.2rem .4rem;border-radius:4px}
.resolved{background:#e3f6e8}.unresolved{background:#fde5e5}.no_pr{background:#f1f1f1}.infra_error{background:#fff4d6}
small{color:#5b6475}
</style></head><body>
<h1>Eval run ${esc(run.id)}</h1>
<p>Suite <code>${esc(run.meta.suite)}</code> · ${run.meta.trials} trial(s) per task and model · started ${esc(run.meta.startedAt)}</p>
<table><caption>Tasks × models</caption>
<thead><tr><th scope="col">task</th>${head}</tr></thead>
<tbody>
${body}
</tbody>
<tfoot><tr><th scope="row">score</th>${foot}</tr></tfoot>
</table>
</body></html>
`;
}

export interface CompareRow {
  task: string;
  model: string;
  baseline: number;
  run: number;
  /** Fewer resolved than the baseline. */
  regression: boolean;
}

/** Resolved share per task and model present in both runs; a drop is a regression. */
export function compareRuns(baseline: StoredRun, run: StoredRun): CompareRow[] {
  const share = (r: StoredRun, task: string, model: string) => {
    const ts = r.trials.filter((t) => t.task === task && t.model === model && t.bucket !== 'infra_error');
    return ts.length ? ts.filter((t) => t.bucket === 'resolved').length / ts.length : undefined;
  };
  const pairs = new Set(run.trials.map((t) => `${t.task}\0${t.model}`));
  const rows: CompareRow[] = [];
  for (const pair of [...pairs].sort()) {
    const [task, model] = pair.split('\0') as [string, string];
    const a = share(baseline, task, model);
    const b = share(run, task, model);
    if (a === undefined || b === undefined) continue;
    rows.push({ task, model, baseline: a, run: b, regression: b < a });
  }
  return rows;
}

export function renderCompare(baseline: StoredRun, run: StoredRun): string {
  const rows = compareRuns(baseline, run);
  const width = Math.max(4, ...rows.map((r) => `${r.task} × ${r.model}`.length));
  const lines = [`${baseline.id} → ${run.id}`, ''];
  for (const r of rows) {
    const mark = r.regression ? 'REGRESSION' : r.run > r.baseline ? 'improved' : '';
    lines.push(
      `${`${r.task} × ${r.model}`.padEnd(width)}  ${pct(r.baseline).padStart(4)} → ${pct(r.run).padStart(4)}  ${mark}`.trimEnd(),
    );
  }
  const a = scoresOf(baseline);
  const b = scoresOf(run);
  lines.push('');
  for (const model of Object.keys(b)) {
    if (!a[model]) continue;
    const drop = b[model]!.pass1 < a[model]!.pass1;
    lines.push(
      `${model}: pass@1 ${pct(a[model]!.pass1)} → ${pct(b[model]!.pass1)}${drop ? '  REGRESSION' : ''}`,
    );
  }
  const regressions = rows.filter((r) => r.regression).length;
  lines.push('', regressions ? `${regressions} regression(s)` : 'no regressions');
  return lines.join('\n');
}
