/**
 * The Evals page: the eval runs stored under `$LOOPWRIGHT_HOME/evals/`, newest first, each with
 * its scores and its report (the same page `eval report --html` writes, its links pointing at the
 * evidence routes here).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { CodedError, ErrorCode } from '../../core/errors.ts';
import { renderHtml } from '../../eval/report.ts';
import { listRuns, readRun, type StoredRun } from '../../eval/store.ts';
import { LOCKED_CSP, cspFor, newNonce } from '../csp.ts';
import { html } from '../html.ts';
import { renderPage } from '../render/layout.ts';

export interface EvalRouteDeps {
  home: string;
  scripted?: boolean;
  hasPrs?: boolean;
}

const RUN_ID = /^\d{8}-\d{6}-[0-9a-f]{4}$/;
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

/** A link of the report (relative to the run) as a URL of this server. */
function hrefFor(run: StoredRun, rel: string): string {
  const evidence = /^evidence\/([\w.-]+)\/(.+)$/.exec(rel);
  if (evidence)
    return `/evidence/${encodeURIComponent(evidence[1]!)}/${evidence[2]!.split('/').map(encodeURIComponent).join('/')}`;
  return `/evals/${run.id}/${rel.split('/').map(encodeURIComponent).join('/')}`;
}

export function renderEvalsPage(
  runs: StoredRun[],
  o: { nonce: string; scripted?: boolean; hasPrs?: boolean },
): string {
  const rows = runs.map((r) => {
    const scores = Object.entries(r.meta.scores ?? {})
      .map(
        ([m, s]) =>
          `${m}: pass@1 ${pct(s.pass1)} (${s.resolved}/${s.trials - s.infraError}), false proofs ${s.falseProofs}`,
      )
      .join('; ');
    return html`<tr>
      <td><a href="/evals/${r.id}">${r.id}</a></td>
      <td>${r.meta.models.join(', ')}</td>
      <td>${String(r.trials.length)}</td>
      <td>${r.meta.finishedAt ? scores : 'running'}</td>
    </tr>`;
  });
  const body = html`<h1>Evals</h1>
    ${
      runs.length
        ? html`<table class="table">
            <caption>
              Eval runs, newest first
            </caption>
            <thead>
              <tr>
                <th scope="col">run</th>
                <th scope="col">models</th>
                <th scope="col">trials</th>
                <th scope="col">scores</th>
              </tr>
            </thead>
            <tbody>
              ${rows}
            </tbody>
          </table>`
        : html`<p>No eval runs yet. Run <code>loopwright eval run</code>.</p>`
    }`;
  return renderPage({
    title: 'Evals',
    nonce: o.nonce,
    body,
    scripted: o.scripted,
    hasPrs: o.hasPrs,
    nav: 'evals',
  });
}

export function registerEvalRoutes(app: FastifyInstance, deps: EvalRouteDeps): void {
  const run = (id: string) => {
    if (!RUN_ID.test(id)) throw new CodedError(ErrorCode.NotFound, `no eval run ${id}`);
    return readRun(deps.home, id);
  };

  app.get('/evals', async (_req, reply) => {
    const nonce = newNonce();
    return reply
      .header('content-security-policy', cspFor(nonce))
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(renderEvalsPage(listRuns(deps.home), { nonce, scripted: deps.scripted, hasPrs: deps.hasPrs }));
  });

  app.get('/evals/:id', async (req, reply) => {
    const r = run((req.params as { id: string }).id);
    // The report page carries its own style and no script: the locked policy fits it.
    return reply
      .header('content-security-policy', LOCKED_CSP)
      .type('text/html; charset=utf-8')
      .send(renderHtml(r, (rel) => hrefFor(r, rel)));
  });

  app.get('/evals/:id/trajectories/:file', async (req, reply) => {
    const { id, file } = req.params as { id: string; file: string };
    const r = run(id);
    if (!/^[\w.-]+\.jsonl$/.test(file) || !existsSync(path.join(r.dir, 'trajectories', file)))
      throw new CodedError(ErrorCode.NotFound, `no trajectory ${file} in run ${id}`);
    return reply
      .header('content-security-policy', LOCKED_CSP)
      .type('text/plain; charset=utf-8')
      .send(readFileSync(path.join(r.dir, 'trajectories', file), 'utf8'));
  });
}
