/** The `loopwright` command line, run as a real process on the embedded database. */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Ticket } from '../../src/core/ticket.ts';
import { startReplayServer } from '../../src/loop/replay/server.ts';
import { finished, launch, ROOT, tempDir, waitForLine } from './process.ts';

const FIX = path.join(ROOT, 'test/cli/fixtures');

// Deadlines: a generous multiple of what each step costs, so that a busy machine slows a step
// down without failing it and a hung step still fails, with its output. Measured (CPU seconds,
// about the wall time on an idle machine): a command that opens the embedded database ~6 s
// (`status`), `start` until ready ~6 s, `run` to a PR ~7 s plus the browser's proof. On a 2-core
// machine at load 33 they took 38 s, 46 s and 51 s.
const QUICK_MS = 90_000;
const START_MS = 120_000;
const RUN_MS = 240_000;

const tmp = tempDir('lw-cli-');
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(
    children.map((c) =>
      c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('close', r)) : undefined,
    ),
  );
  tmp.cleanup();
});

const baseEnv = (home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  LOOPWRIGHT_HOME: path.join(tmp.home, home),
  LOOPWRIGHT_REPO: path.join(FIX, 'tiny-app'),
  LOOPWRIGHT_TARGET: 'tiny',
  LOOPWRIGHT_TRAJECTORY: path.join(FIX, 'tiny-quick.jsonl'),
  LOOPWRIGHT_PORT: String(20000 + Math.floor(Math.random() * 20000)),
  OPENAI_API_KEY: '',
  OPENAI_BASE_URL: '',
  DATABASE_URL: '',
  VITEST: '',
  ...extra,
});

/** Runs `loopwright <args>` to its exit; `run` and `submit --wait` get the long deadline. */
function cli(env: NodeJS.ProcessEnv, ...args: string[]) {
  const long = (args[0] === 'run' && !!args[1] && !args[1].startsWith('-')) || args.includes('--wait');
  const p = launch(args, { env, cwd: tmp.home }, children);
  return finished(p, `loopwright ${args.join(' ')}`, long ? RUN_MS : QUICK_MS);
}
const lastJson = <T>(stdout: string): T => JSON.parse(stdout.trim().split('\n').at(-1)!) as T;

describe('loopwright CLI', () => {
  it('prints usage, and exits 2 on an unknown command or flag', { timeout: 4 * QUICK_MS }, async () => {
    const env = baseEnv('usage');
    expect((await cli(env, '--help')).stdout).toContain('submit "<request>"');
    expect((await cli(env, 'frobnicate')).code).toBe(2);
    expect((await cli(env, 'run', '--nope')).code).toBe(2);
  });

  it(
    'records a run on a live endpoint as a trajectory that replays to the same PR',
    async () => {
      // Any OpenAI-compatible endpoint is a live model to Loopwright; here one that plays a script.
      const endpoint = await startReplayServer({ trajectory: path.join(FIX, 'tiny-quick.jsonl') });
      try {
        const live = baseEnv('record', {
          LOOPWRIGHT_TRAJECTORY: '',
          OPENAI_BASE_URL: endpoint.url,
          OPENAI_API_KEY: 'sk-test-record-0000000000000000',
        });
        const first = await cli(live, 'run', 'Show Saved on the page', '--json');
        expect(first.code, first.stderr).toBe(0);
        const ticket = lastJson<Ticket>(first.stdout);
        expect(ticket).toMatchObject({ status: 'pr_opened', scripted: false });
        const recorded = path.join(tmp.home, 'record', 'evidence', ticket.id, 'trajectory.jsonl');
        expect(existsSync(recorded)).toBe(true);
        const turns = readFileSync(recorded, 'utf8').trim().split('\n');
        expect(turns.length).toBe(endpoint.served.length);
        expect(readFileSync(recorded, 'utf8')).not.toContain('sk-test-record');

        const again = await cli(
          baseEnv('replayed', { LOOPWRIGHT_TRAJECTORY: recorded }),
          'run',
          'Show Saved on the page',
          '--json',
        );
        expect(again.code, again.stderr).toBe(0);
        expect(lastJson<Ticket>(again.stdout)).toMatchObject({ status: 'pr_opened', scripted: true });
      } finally {
        await endpoint.close();
      }
    },
    2 * RUN_MS + QUICK_MS,
  );

  it('says what to do when a request or the model is missing', { timeout: RUN_MS + QUICK_MS }, async () => {
    const noText = await cli(baseEnv('errors'), 'run');
    expect(noText.code).toBe(1);
    expect(noText.stderr).toContain('run needs the request text');
    const noModel = await cli(baseEnv('errors', { LOOPWRIGHT_TRAJECTORY: '' }), 'run', 'anything');
    expect(noModel.code).toBe(1);
    expect(noModel.stderr).toMatch(/no model is configured — set OPENAI_API_KEY/);
  });

  it(
    '`run` takes a request to a PR in one process; --json is the last line; `status` lists it',
    { timeout: RUN_MS + 2 * QUICK_MS },
    async () => {
      const env = baseEnv('run');
      const r = await cli(env, 'run', 'Show Saved on the page', '--json');
      expect(r.code, r.stderr).toBe(0);
      const ticket = lastJson<Ticket>(r.stdout);
      expect(ticket).toMatchObject({ status: 'pr_opened', scripted: true, request: { source: 'cli' } });
      expect(r.stdout).toContain(`pull request: ${ticket.pr!.url}`);
      expect(r.stdout).toContain('model: SCRIPTED');
      // Not a TTY: plain timestamped progress lines.
      expect(r.stderr).toMatch(/^\d\d:\d\d:\d\d {2}stage: publishing$/m);
      const status = await cli(env, 'status', '--json');
      expect(status.code).toBe(0);
      expect(lastJson<Ticket[]>(status.stdout)[0]?.id).toBe(ticket.id);
      expect(status.stdout).toContain(`${ticket.id}  pr_opened`);
    },
  );

  it('exits 1 with the ticket when it does not reach a PR', { timeout: RUN_MS + QUICK_MS }, async () => {
    const config = path.join(tmp.home, 'one-attempt.json');
    writeFileSync(config, JSON.stringify({ maxAttempts: 1 }));
    const env = baseEnv('fail', {
      LOOPWRIGHT_TRAJECTORY: path.join(FIX, 'off-script.jsonl'),
      LOOPWRIGHT_CONFIG: config,
    });
    const r = await cli(env, 'run', 'Show Saved on the page', '--json');
    expect(r.code).toBe(1);
    const ticket = lastJson<Ticket>(r.stdout);
    expect(ticket.status).toBe('failed');
    expect(ticket.error?.code).toBeTruthy();
    expect(r.stdout).toContain(`error ${ticket.error!.code}:`);
  });

  it(
    '`submit` goes through a running `start` on the embedded database: --wait, --id exactly once',
    { timeout: START_MS + RUN_MS + 2 * QUICK_MS },
    async () => {
      const env = baseEnv('start');
      const server = launch(['start'], { env, cwd: tmp.home }, children);
      await waitForLine(server, /worker running/, '"worker running" from `loopwright start`', START_MS);

      const waited = await cli(env, 'submit', 'Show Saved on the page', '--wait', '--json', '--id', 'req-1');
      expect(waited.code, `${waited.stderr}\n--- server:\n${server.output()}`).toBe(0);
      const ticket = lastJson<Ticket>(waited.stdout);
      expect(ticket.status).toBe('pr_opened');
      const again = await cli(env, 'submit', 'Show Saved on the page', '--json', '--id', 'req-1');
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toContain(`Already submitted as ${ticket.id}`);
      expect(lastJson<Ticket>(again.stdout).id).toBe(ticket.id);

      server.child.kill('SIGTERM');
      const stopped = await finished(server, '`loopwright start` after SIGTERM', QUICK_MS);
      expect(stopped.code, server.output()).toBe(0);
    },
  );
});
