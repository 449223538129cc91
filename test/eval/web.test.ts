/** The Evals page of the queue site: the stored runs, each run's report, its trajectories. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrialRecord } from '../../src/eval/score.ts';
import { scoreRun } from '../../src/eval/score.ts';
import { RunDir } from '../../src/eval/store.ts';
import { registerEvalRoutes } from '../../src/web/routes/evals.ts';

const home = mkdtempSync(path.join(os.tmpdir(), 'lw-eval-web-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const trial: TrialRecord = {
  task: 'orders-sort-by-amount',
  model: 'gpt-x',
  trial: 1,
  bucket: 'resolved',
  falseProof: false,
  ticketId: 't_abc',
  usage: { promptTokens: 1, completionTokens: 1, cachedTokens: 0 },
  timings: { totalMs: 1000 },
  links: { gif: 'evidence/t_abc/head.gif', trajectory: 'trajectories/t_abc.jsonl' },
};

describe('the Evals page', () => {
  it('lists runs with their scores and serves each report with links to the evidence routes', async () => {
    const run = RunDir.create(home, {
      suite: 'evals',
      models: ['gpt-x'],
      tasks: [trial.task],
      trials: 1,
      concurrency: 1,
    });
    run.append(trial);
    run.finish({ models: scoreRun([trial]), skipped: [] });
    const app = Fastify();
    registerEvalRoutes(app, { home });
    const list = await app.inject('/evals');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain(`<a href="/evals/${run.id}">${run.id}</a>`);
    expect(list.body).toContain('gpt-x: pass@1 100% (1/1), false proofs 0');
    const report = await app.inject(`/evals/${run.id}`);
    expect(report.statusCode).toBe(200);
    expect(report.headers['content-security-policy']).toContain("default-src 'none'");
    expect(report.body).toContain('<a href="/evidence/t_abc/head.gif">gif</a>');
    expect(report.body).toContain(`<a href="/evals/${run.id}/trajectories/t_abc.jsonl">trajectory</a>`);
    expect((await app.inject('/evals/not-a-run')).statusCode).not.toBe(200);
    expect((await app.inject(`/evals/${run.id}/trajectories/..%2Frun.json`)).statusCode).not.toBe(200);
    await app.close();
  });
});
