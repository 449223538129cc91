/**
 * A worker knows whether it can record a proof before it takes work. One `start` runs under a
 * HOME that `npm run setup` never saw (a service user, a container): its ticket still records a
 * video. Another has no Chromium: its worker claims nothing, says why once in the log, and
 * /healthz names the problem and the fix while the ticket waits in the queue.
 */
import type { ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ticket } from '../../src/core/ticket.ts';
import { launch, ROOT, tempDir, waitForLine, waitUntil, type Launched } from './process.ts';

// Deadlines, generous multiples of a busy 2-core machine: the server answers within ~40 s and a
// tiny-app ticket ends within ~90 s.
const START_MS = 120_000;
const TICKET_MS = 300_000;

interface Health {
  ok: boolean;
  workers: { id: string; ready: boolean; problem?: { code: string; message: string; fix?: string } }[];
}

describe('worker self-check', () => {
  const tmp = tempDir('lw-health-');
  const procs: ChildProcess[] = [];
  let app: string;

  const baseEnv = (name: string, port: number): NodeJS.ProcessEnv => {
    const home = path.join(tmp.home, name);
    mkdirSync(path.join(home, 'user'), { recursive: true });
    return {
      ...process.env,
      // A HOME of its own: no ~/.cache/ms-playwright from setup.
      HOME: path.join(home, 'user'),
      XDG_CACHE_HOME: '',
      PLAYWRIGHT_BROWSERS_PATH: '',
      LOOPWRIGHT_HOME: path.join(home, 'data'),
      LOOPWRIGHT_PORT: String(port),
      LOOPWRIGHT_REPO: app,
      LOOPWRIGHT_TARGET: 'tiny',
      LOOPWRIGHT_TRAJECTORY: path.join(ROOT, 'test/cli/fixtures/tiny-saved.jsonl'),
      LOOPWRIGHT_LOG_LEVEL: 'info',
      DATABASE_URL: '',
      OPENAI_API_KEY: '',
      OPENAI_BASE_URL: '',
      VITEST: '',
    };
  };
  const api = async <T>(base: string, p: string, init?: RequestInit): Promise<T> => {
    const res = await fetch(`${base}${p}`, { ...init, headers: { 'content-type': 'application/json' } });
    return (await res.json()) as T;
  };
  const started = async (env: NodeJS.ProcessEnv): Promise<{ p: Launched; base: string }> => {
    const p = launch(['start'], { env }, procs);
    await waitForLine(p, /Loopwright at /, 'the start line', START_MS);
    return { p, base: `http://127.0.0.1:${env.LOOPWRIGHT_PORT}` };
  };

  beforeAll(() => {
    app = path.join(tmp.home, 'tiny-app');
    cpSync(path.join(ROOT, 'test/cli/fixtures/tiny-app'), app, { recursive: true });
  });

  afterAll(async () => {
    const running = procs.filter((p) => p.exitCode === null && p.signalCode === null);
    for (const p of running) p.kill('SIGKILL');
    await Promise.all(running.map((p) => new Promise((r) => p.once('close', r))));
    tmp.cleanup();
  });

  it(
    'records a video under a HOME that setup never ran under',
    { timeout: START_MS + TICKET_MS },
    async () => {
      const port = 20000 + Math.floor(Math.random() * 20000);
      const { p, base } = await started(baseEnv('other-home', port));
      const { ticket } = await api<{ ticket: Ticket }>(base, '/api/tickets', {
        method: 'POST',
        body: JSON.stringify({ text: 'Show Saved on the page' }),
      });
      const done = await waitUntil(
        () => api<Ticket>(base, `/api/tickets/${ticket.id}`),
        (t) => ['pr_opened', 'failed', 'rejected', 'cancelled'].includes(t.status),
        'the ticket finished',
        TICKET_MS,
        { intervalMs: 500 },
      );
      expect(done.status, `${JSON.stringify(done.error)}\n${p.output().slice(-3000)}`).toBe('pr_opened');
      expect(statSync(path.join(done.evidence!.dir, 'head.webm')).size).toBeGreaterThan(1000);
      const health = await api<Health>(base, '/healthz');
      expect(health.ok).toBe(true);
      expect(health.workers.map((w) => w.ready)).toEqual([true]);
      expect(await (await fetch(`${base}/`)).text()).toMatch(
        /<table class="tickets" id="workers">[\s\S]*ready/,
      );
    },
  );

  it('refuses to claim without Chromium and says so on /healthz', { timeout: START_MS * 2 }, async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const env = {
      ...baseEnv('no-chromium', port),
      LOOPWRIGHT_CHROMIUM: path.join(tmp.home, 'no', 'chromium'),
    };
    const { p, base } = await started(env);
    const health = await waitUntil(
      () => api<Health>(base, '/healthz'),
      (h) => h.workers?.length === 1,
      'the worker on /healthz',
      START_MS,
    );
    const worker = health.workers[0]!;
    expect(health.ok).toBe(false);
    expect(worker.ready).toBe(false);
    expect(worker.problem?.message).toContain('Chromium');
    expect(worker.problem?.fix).toMatch(/LOOPWRIGHT_CHROMIUM|apt-get install/);
    const { ticket } = await api<{ ticket: Ticket }>(base, '/api/tickets', {
      method: 'POST',
      body: JSON.stringify({ text: 'Show Saved on the page' }),
    });
    // The worker polls the queue every half second; several polls later the ticket is untouched.
    await new Promise((r) => setTimeout(r, 5000));
    const still = await api<Ticket>(base, `/api/tickets/${ticket.id}`);
    expect(still.status).toBe('queued');
    expect((still as Ticket & { attempts?: number }).attempts ?? 0).toBe(0);
    const said = p.output().match(/cannot record a proof/g) ?? [];
    expect(said).toHaveLength(1);
    // The queue page lists the worker with its problem.
    const page = await (await fetch(`${base}/`)).text();
    expect(page).toContain('cannot verify');
    expect(page).toContain(`Chromium not found at ${env.LOOPWRIGHT_CHROMIUM}`);
  });
});
