import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodedError, ErrorCode } from '../../src/core/errors.ts';
import type { LocalForge } from '../../src/forge/local.ts';
import type { Tickets } from '../../src/tickets/index.ts';
import { evidenceDirOf, runTicket, type LoopRunner, type PipelineDeps } from '../../src/tickets/pipeline.ts';
import { startWorker } from '../../src/tickets/worker.ts';
import type { DirSandboxes } from './helpers.ts';
import { openForgeWorld, scriptedRunner, sh, tempHome, testConfig, type ScriptOptions } from './helpers.ts';

describe('pipeline on PGlite with the local forge', () => {
  const tmp = tempHome('lw-pipe-');
  let t: Tickets;
  let forge: LocalForge;
  let sandboxes: DirSandboxes;
  const config = testConfig(tmp.home, {
    stageTimeouts: {
      preparingMs: 10_000,
      codingMs: 1_500,
      verifyingMs: 10_000,
      reviewingMs: 10_000,
      publishingMs: 10_000,
    },
  });

  beforeAll(async () => {
    ({ t, forge, sandboxes } = await openForgeWorld(tmp.home, config));
  });
  afterAll(async () => {
    await t?.close();
    tmp.cleanup();
  });

  const deps = (runLoop: LoopRunner): PipelineDeps => ({
    config,
    store: t.store,
    forge,
    sandboxes,
    runLoop,
    evidenceUrl: (id, rel) => forge.evidenceUrl(id, rel),
    scripted: true,
    pollMs: 100,
  });
  const submit = async (text = 'On the revenue dashboard, clicking a legend entry should hide that line') =>
    (await t.store.submit({ request: { text, source: 'cli', requester: 'ana' } })).ticket;
  const run = async (opts: ScriptOptions = {}) => {
    const ticket = await submit();
    return runTicket(deps(scriptedRunner(opts)), ticket.id);
  };

  it("a ticket's own model decides whether it ran scripted, not the process's default", async () => {
    const live = { ...deps(scriptedRunner()), scripted: false };
    const replayed = (
      await t.store.submit({
        request: { text: 'Add a CSV export', source: 'cli', requester: 'eval', model: 'replay:/x.jsonl' },
      })
    ).ticket;
    const { ticket } = await runTicket(live, replayed.id);
    expect(ticket).toMatchObject({ status: 'pr_opened', scripted: true });
    expect((await forge.getPullRequest(ticket.pr!.number))?.body).toContain('scripted demo model');
    const named = (
      await t.store.submit({
        request: { text: 'Add a PDF export', source: 'cli', requester: 'eval', model: 'gpt-x' },
      })
    ).ticket;
    expect((await runTicket(deps(scriptedRunner()), named.id)).ticket.scripted).toBe(false);
  });

  it('creates the forge repo from a directory, without node_modules', () => {
    const files = sh(forge.repoPath, 'ls-tree', '-r', '--name-only', 'main');
    expect(files).toContain('src/legend.js');
    expect(files).not.toContain('node_modules');
  });

  it('runs a ticket to an open PR with timings, events, usage and diff.patch', async () => {
    const { ticket, retry } = await run();
    expect(retry).toBeUndefined();
    expect(ticket).toMatchObject({ status: 'pr_opened', stage: 'done', attempts: 1, scripted: true });
    expect(ticket.pr?.url).toMatch(/\/prs\/\d+$/);
    expect(ticket.usage.promptTokens).toBe(100);
    for (const k of [
      'queuedMs',
      'preparingMs',
      'codingMs',
      'verifyingMs',
      'reviewingMs',
      'publishingMs',
      'totalMs',
      'modelMs',
    ] as const) {
      expect(ticket.timings[k], k).toBeTypeOf('number');
    }
    expect(ticket.timings.modelMs).toBe(40);
    const stages = (await t.store.timeline(ticket.id)).flatMap((e) =>
      e.event.type === 'stage' ? [e.event.stage] : [],
    );
    expect(stages).toEqual(['preparing', 'coding', 'verifying', 'reviewing', 'publishing']);
    const patch = readFileSync(path.join(evidenceDirOf(tmp.home, ticket.id), 'diff.patch'), 'utf8');
    expect(patch).toContain('toggle');
    const pr = await forge.getPullRequest(ticket.pr!.number);
    expect(pr?.body).toContain('> On the revenue dashboard');
    expect(pr?.body).toContain('scripted demo model');
    expect(pr?.diff).toContain('+export const toggle');
    const log = sh(forge.repoPath, 'log', '-1', '--format=%an%n%B', ticket.pr!.branch);
    expect(log).toContain('Loopwright-Ticket: ' + ticket.id);
    expect(sandboxes.tornDown.at(-1)).toEqual({ ticketId: ticket.id, keep: false });
  });

  it('publishes idempotently: running a ticket again updates the same PR', async () => {
    const ticket = await submit('Add a CSV export');
    const first = await runTicket(deps(scriptedRunner()), ticket.id);
    // As if the worker died after publishing but before settling: the ticket is still running.
    await t.db.query(`UPDATE tickets SET status = 'running', stage = 'publishing' WHERE id = $1`, [
      ticket.id,
    ]);
    const second = await runTicket(deps(scriptedRunner()), ticket.id);
    expect(second.ticket.pr?.number).toBe(first.ticket.pr?.number);
    const prs = (await forge.listPullRequests()).filter((p) => p.ticketId === ticket.id);
    expect(prs).toHaveLength(1);
    expect(second.ticket.attempts).toBe(2);
  });

  it('a follow-up ticket continues the branch and updates the same PR', async () => {
    const { ticket: first } = await run();
    const { ticket: follow } = await t.store.submit({
      request: {
        text: 'Also keep the hidden lines in the URL',
        source: 'slack',
        requester: 'ana',
        followUpOf: first.id,
      },
    });
    const { ticket: done } = await runTicket(deps(scriptedRunner({ file: 'src/url.js' })), follow.id);
    expect(done.status).toBe('pr_opened');
    expect(done.pr).toMatchObject({ number: first.pr!.number, branch: first.pr!.branch });
    // The branch holds both changes, one commit on top of the other.
    const files = sh(forge.repoPath, 'ls-tree', '-r', '--name-only', first.pr!.branch);
    expect(files).toContain('src/url.js');
    expect(
      sh(forge.repoPath, 'log', '--format=%s', `main..${first.pr!.branch}`).trim().split('\n'),
    ).toHaveLength(2);
    expect((await forge.getPullRequest(first.pr!.number))?.body).toContain(
      `Follow-up of ticket \`${first.id}\``,
    );
  });

  it('merges by fast-forwarding the base', async () => {
    const { ticket } = await run();
    const merged = await forge.merge(ticket.pr!.number);
    expect(merged.state).toBe('merged');
    expect(sh(forge.repoPath, 'rev-parse', 'main')).toBe(sh(forge.repoPath, 'rev-parse', ticket.pr!.branch));
    await expect(forge.merge(ticket.pr!.number)).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('settles a loop failure as failed with its code, and a thrown error coerced', async () => {
    const failed = await run({
      status: 'failed',
      error: { code: ErrorCode.ProofFailed, message: 'no proof after 3 attempts' },
    });
    expect(failed.ticket).toMatchObject({ status: 'failed', error: { code: 'proof_failed' } });
    expect(failed.retry).toBeUndefined();
    const thrown = await run({ throwError: new TypeError('boom') });
    expect(thrown.ticket).toMatchObject({ status: 'failed', error: { code: 'internal', message: 'boom' } });
    const timeline = await t.store.timeline(thrown.ticket.id);
    expect(timeline.at(-1)?.event).toMatchObject({ type: 'finished', status: 'failed' });
    expect(sandboxes.tornDown.at(-1)).toEqual({ ticketId: thrown.ticket.id, keep: true });
  });

  it('hands a retryable failure back to the queue until attempts run out', async () => {
    const err = new CodedError(ErrorCode.ModelError, 'upstream 502', { retryable: true });
    const ticket = await submit('retry me');
    const r1 = await runTicket(deps(scriptedRunner({ throwError: err })), ticket.id);
    expect(r1.retry?.code).toBe('model_error');
    expect(r1.ticket).toMatchObject({ status: 'queued', attempts: 1 });
    await runTicket(deps(scriptedRunner({ throwError: err })), ticket.id);
    const r3 = await runTicket(deps(scriptedRunner({ throwError: err })), ticket.id);
    expect(r3.retry).toBeUndefined();
    expect(r3.ticket).toMatchObject({ status: 'failed', attempts: 3, error: { code: 'model_error' } });
  });

  it('rejects a change the guardrails refuse at publishing', async () => {
    const { ticket } = await run({ file: '.loopwright.yml' });
    expect(ticket).toMatchObject({ status: 'rejected', error: { code: 'guardrail_rejected' } });
    expect(ticket.pr).toBeUndefined();
  });

  it('times out a stage', async () => {
    const { ticket } = await run({ codingMs: 5_000 });
    expect(ticket).toMatchObject({ status: 'failed', stage: 'coding', error: { code: 'stage_timeout' } });
  });

  it('does not revive a ticket cancelled before its run starts', async () => {
    const ticket = await submit('cancel before claim');
    await t.store.cancel(ticket.id);
    const runner = scriptedRunner();
    const { ticket: after } = await runTicket(deps(runner), ticket.id);
    expect(after.status).toBe('cancelled');
    expect(runner.runs).toHaveLength(0);
  });

  it('cancels a running ticket from the store (another process would do the same)', async () => {
    const ticket = await submit('cancel me');
    const running = runTicket(deps(scriptedRunner({ codingMs: 1_200 })), ticket.id);
    await new Promise((r) => setTimeout(r, 300));
    await t.store.cancel(ticket.id, 'changed my mind');
    const { ticket: done } = await running;
    expect(done).toMatchObject({
      status: 'cancelled',
      error: { code: 'cancelled', message: 'changed my mind' },
    });
    expect(done.pr).toBeUndefined();
  });

  it('a worker claims queued tickets, settles their jobs, and stops gracefully', async () => {
    const runner = scriptedRunner();
    const settled: string[] = [];
    const worker = await startWorker({
      store: t.store,
      queue: t.queue,
      pipeline: { ...deps(runner) },
      concurrency: 2,
      pollMs: 50,
      onSettled: (r) => settled.push(r.ticket.id),
    });
    expect(sandboxes.sweeps).toBeGreaterThan(0);
    const ids = [(await submit('w1')).id, (await submit('w2')).id, (await submit('w3')).id];
    const deadline = Date.now() + 30_000;
    while (ids.some((id) => !settled.includes(id)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    await worker.stop({ graceMs: 1000 });
    for (const id of ids) expect(await t.store.get(id)).toMatchObject({ status: 'pr_opened' });
    expect(ids.every((id) => runner.runs.filter((r) => r === id).length === 1)).toBe(true);
    expect(existsSync(forge.repoPath)).toBe(true);
  });

  it(
    'a stopping worker hands a running ticket back; the next worker finishes it',
    { timeout: 60_000 },
    async () => {
      const slow = await startWorker({
        store: t.store,
        queue: t.queue,
        pipeline: deps(scriptedRunner({ codingMs: 4000 })),
        concurrency: 1,
        pollMs: 50,
      });
      const ticket = await submit('hand me back');
      for (let i = 0; i < 100 && (await t.store.get(ticket.id))?.stage !== 'coding'; i++)
        await new Promise((r) => setTimeout(r, 50));
      await slow.stop({ graceMs: 100 });
      expect(await t.store.get(ticket.id)).toMatchObject({ status: 'queued', attempts: 1 });
      const next = await startWorker({
        store: t.store,
        queue: t.queue,
        pipeline: deps(scriptedRunner()),
        concurrency: 1,
        pollMs: 100,
      });
      try {
        for (let i = 0; i < 300 && (await t.store.get(ticket.id))?.status !== 'pr_opened'; i++)
          await new Promise((r) => setTimeout(r, 100));
        expect(await t.store.get(ticket.id)).toMatchObject({ status: 'pr_opened', attempts: 2 });
      } finally {
        await next.stop({ graceMs: 1000 });
      }
    },
  );
});
