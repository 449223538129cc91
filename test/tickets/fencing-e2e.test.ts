/**
 * Fencing with real processes (issue 11): worker A claims a ticket and is paused (SIGSTOP) in the
 * middle of coding, past its lease. Worker B takes the ticket (attempt 2, run 2) and opens the PR.
 * A is resumed: its writes are refused, it lets go of the ticket, and the forge keeps exactly one
 * PR whose head is B's commit of B's proven tree.
 *
 * Both workers share a Postgres database and one home (its mirror, sandboxes and local forge), as
 * two workers on one machine do: the paused worker's sandbox must not stand in the way of the one
 * that takes over (sandbox worktrees are detached, so no ticket branch is held in the mirror).
 * Each worker plays its own scripted trajectory, and the two write different pages, so the trees
 * tell the attempts apart.
 */
import { execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ticket } from '../../src/core/ticket.ts';
import { openTickets, type Tickets } from '../../src/tickets/index.ts';
import type { TimelineEntry } from '../../src/tickets/types.ts';
import { launch, ROOT, tempDir, waitForLine, waitUntil, type Launched } from '../cli/process.ts';
import { adminQuery, databaseUrl, runPostgresTests } from '../helpers/postgres.ts';

// Deadlines: generous multiples of what a busy 2-core machine takes. Waits end on events (rows,
// timeline entries, log lines); these only bound how long a broken run hangs.
const READY_MS = 90_000;
const CODING_MS = 90_000;
const TAKEOVER_MS = 90_000;
const PUBLISHED_MS = 150_000;
const ABANDON_MS = 60_000;
const LEASE_SECONDS = 4;
/** How long worker A's command runs (tiny-fenced-first.jsonl): A stays paused at least this long. */
const COMMAND_MS = 8_000;
const TEXT = 'Show Saved on the page';
const TRAJECTORIES = path.join(ROOT, 'test/fixtures/trajectories');

describe.skipIf(!(await runPostgresTests()))(
  'fencing across processes: a paused worker loses its ticket',
  () => {
    const tmp = tempDir('lw-fence-e2e-');
    const dbName = `lw_test_fe_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
    const dbUrl = databaseUrl(dbName);
    const procs: ChildProcess[] = [];
    const workers: Launched[] = [];
    let tickets: Tickets | undefined;
    let forgeRepo = '';

    /** A worker process on the shared home, with its own trajectory. */
    const startWorker = (_name: string, trajectory: string): Launched => {
      const home = path.join(tmp.home, 'shared');
      const env = {
        ...process.env,
        DATABASE_URL: dbUrl,
        LOOPWRIGHT_HOME: home,
        LOOPWRIGHT_PORT: String(20000 + Math.floor(Math.random() * 20000)),
        LOOPWRIGHT_REPO: path.join(tmp.home, 'tiny-app'),
        LOOPWRIGHT_TARGET: 'tiny',
        LOOPWRIGHT_TRAJECTORY: path.join(TRAJECTORIES, trajectory),
        LOOPWRIGHT_LEASE_SECONDS: String(LEASE_SECONDS),
        LOOPWRIGHT_LOG_LEVEL: 'info',
        OPENAI_API_KEY: '',
        OPENAI_BASE_URL: '',
        VITEST: '',
      };
      const p = launch(['worker'], { env }, procs);
      workers.push(p);
      return p;
    };
    const git = (...args: string[]) =>
      execFileSync('git', ['--git-dir', forgeRepo, ...args], { encoding: 'utf8' }).trim();
    const store = () => tickets!.store;
    const timeline = (id: string) => store().timeline(id);
    const describeTicket = (t: Ticket | undefined) =>
      t
        ? `${t.status}/${t.stage}, attempts ${t.attempts}, run ${t.run}, published ${JSON.stringify(t.published ?? null)}, error ${JSON.stringify(t.error ?? null)}`
        : 'no ticket';
    const describeTimeline = (entries: TimelineEntry[]) =>
      entries
        .slice(-12)
        .map(({ event: e }) =>
          e.type === 'log'
            ? `log: ${e.text}`
            : e.type === 'tool_call'
              ? `tool_call ${e.name}`
              : e.type === 'stage'
                ? `stage ${e.stage}`
                : e.type,
        )
        .join(' | ');
    const logs = () =>
      workers.map((w, i) => `--- worker ${'AB'[i]} ---\n${w.output().slice(-3000)}`).join('\n');

    beforeAll(async () => {
      await adminQuery(`CREATE DATABASE ${dbName}`);
      cpSync(path.join(ROOT, 'test/cli/fixtures/tiny-app'), path.join(tmp.home, 'tiny-app'), {
        recursive: true,
      });
      mkdirSync(path.join(tmp.home, 'shared'), { recursive: true });
      forgeRepo = path.join(tmp.home, 'shared', 'forge', 'tiny.git');
    });

    afterAll(async () => {
      const running = procs.filter((p) => p.exitCode === null && p.signalCode === null);
      for (const p of running) {
        p.kill('SIGCONT');
        p.kill('SIGKILL');
      }
      await Promise.all(running.map((p) => new Promise((r) => p.once('close', r))));
      await tickets?.close().catch(() => {});
      await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      tmp.cleanup();
    });

    it(
      'opens one PR with the second attempt’s tree; the resumed first worker pushes nothing',
      { timeout: READY_MS + CODING_MS + TAKEOVER_MS + PUBLISHED_MS + ABANDON_MS + 60_000 },
      async () => {
        // Worker A alone, so it is the one that claims the ticket.
        const a = startWorker('a', 'tiny-fenced-first.jsonl');
        await waitForLine(a, /Loopwright worker running/, 'worker A ready', READY_MS);
        // The producer's queue handle: a short retry delay, so the takeover waits on the lease only.
        tickets = await openTickets(
          { home: tmp.home, databaseUrl: dbUrl, maxAttempts: 3, target: 'tiny' },
          { leaseSeconds: LEASE_SECONDS, retryDelaySeconds: 1 },
        );
        const { ticket } = await store().submit({ request: { text: TEXT, source: 'cli', requester: 'ana' } });
        const id = ticket.id;
        const onWorker = (pid: number, attempt: number) => (entries: TimelineEntry[]) =>
          entries.some(
            ({ event: e }) =>
              e.type === 'log' && new RegExp(`^attempt ${attempt} of \\d+ on [^:]+:${pid}$`).test(e.text),
          );

        // A holds the ticket: attempt 1 runs on A's pid. B starts now and finds the queue empty.
        await waitUntil(
          () => timeline(id),
          onWorker(a.child.pid!, 1),
          `attempt 1 of ${id} on worker A`,
          CODING_MS,
          {
            describe: describeTimeline,
          },
        );
        const b = startWorker('b', 'tiny-fenced-second.jsonl');

        // Pause A inside its long command: the coder's run_command is under way.
        await waitUntil(
          () => timeline(id),
          (entries) => entries.some(({ event: e }) => e.type === 'tool_call' && e.name === 'run_command'),
          `worker A's coder running its command on ${id}`,
          CODING_MS,
          { describe: describeTimeline },
        );
        expect(a.child.kill('SIGSTOP')).toBe(true);
        const pausedAt = Date.now();

        // The lease runs out; B claims the job and starts attempt 2 (run 2) on its own pid.
        await waitForLine(b, /Loopwright worker running/, 'worker B ready', READY_MS);
        await waitUntil(
          () => timeline(id),
          onWorker(b.child.pid!, 2),
          `attempt 2 of ${id} on worker B`,
          TAKEOVER_MS,
          {
            describe: describeTimeline,
          },
        );
        const taken = (await store().get(id))!;
        expect(taken.attempts).toBe(2);
        expect(taken.run).toBe(2);
        expect(Date.now() - pausedAt).toBeGreaterThanOrEqual(LEASE_SECONDS * 1000);

        // B finishes with a PR while A is still paused.
        const opened = await waitUntil(
          () => store().get(id),
          (t) => t !== undefined && !['queued', 'running'].includes(t.status),
          `${id} settled by worker B`,
          PUBLISHED_MS,
          { intervalMs: 500, describe: describeTicket },
        );
        expect(opened!.status, `${describeTicket(opened)}\n${logs()}`).toBe('pr_opened');
        expect(opened!.published?.run).toBe(2);
        const branch = opened!.published!.branch;
        const headBefore = git('rev-parse', `refs/heads/${branch}`);
        expect(headBefore).toBe(opened!.published!.commit);

        // A resumes once its command has surely ended (B's run alone takes longer than the command),
        // then notices the lease is gone and lets go of the ticket without settling it.
        await new Promise((r) => setTimeout(r, Math.max(0, pausedAt + COMMAND_MS - Date.now())));
        expect(a.child.kill('SIGCONT')).toBe(true);
        await waitForLine(
          a,
          /lease lost; another worker has the ticket/,
          'worker A abandoning the ticket',
          ABANDON_MS,
        );
        expect(a.child.exitCode).toBeNull();

        // Exactly one PR for the branch, its head B's commit of B's proven tree, carrying run 2.
        const db = new pg.Client({ connectionString: dbUrl });
        await db.connect();
        let prs: { number: number; state: string; head_sha: string; ticket_id: string }[];
        try {
          prs = (
            await db.query('SELECT number, state, head_sha, ticket_id FROM pull_requests WHERE branch = $1', [
              branch,
            ])
          ).rows;
        } finally {
          await db.end();
        }
        expect(prs).toHaveLength(1);
        expect(prs[0]).toMatchObject({ state: 'open', head_sha: headBefore, ticket_id: id });
        const head = git('rev-parse', `refs/heads/${branch}`);
        expect(head, 'the branch moved after worker A resumed').toBe(headBefore);
        const trailers = git('log', '-1', '--format=%(trailers:only,unfold)', head);
        expect(trailers).toContain(`Loopwright-Ticket: ${id}`);
        expect(trailers).toContain('Loopwright-Attempt: 2');
        expect(git('rev-parse', `${head}^{tree}`)).toBe(opened!.published!.tree);
        const page = git('show', `${head}:index.html`);
        expect(page).toContain('Saved by the second attempt');
        expect(page).not.toContain('first attempt');

        // The ticket is B's: settled once, with B's PR, and nothing of A's landed after B took over.
        const final = (await store().get(id))!;
        expect(final.status).toBe('pr_opened');
        expect(final.run).toBe(2);
        expect(final.published?.run).toBe(2);
        expect(final.pr?.number).toBe(prs[0]!.number);
        const entries = await timeline(id);
        expect(entries.filter((e) => e.event.type === 'finished')).toHaveLength(1);
        // A's command ended while A was paused, so its result is the first thing A writes on resuming
        // (before a heartbeat or a poll can tell it the lease is gone): the store refused it.
        const events = entries.map((e) => e.event);
        expect(events.filter((e) => e.type === 'tool_result' && e.name === 'run_command')).toEqual([]);
        const refusals = a
          .output()
          .split('\n')
          .filter((l) => l.includes('"msg":"timeline append failed"'));
        expect(refusals.length, `worker A's output:\n${a.output().slice(-3000)}`).toBeGreaterThan(0);
        for (const line of refusals) expect(line).toContain('"code":"stale_attempt"');
      },
    );
  },
);
