/** The `loopwright` command line, run as a real process on the embedded database. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Ticket } from '../../src/core/ticket.ts';
import { startReplayServer } from '../../src/loop/replay/server.ts';
import { tempHome } from '../tickets/helpers.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const NODE = path.join(ROOT, 'node_modules/.bin/node');
const MAIN = path.join(ROOT, 'src/cli/main.ts');
const FIX = path.join(ROOT, 'test/cli/fixtures');

const tmp = tempHome('lw-cli-');
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 200));
  tmp.cleanup();
});

const baseEnv = (home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  LOOPWRIGHT_HOME: path.join(tmp.home, home),
  LOOPWRIGHT_REPO: path.join(FIX, 'tiny-app'),
  LOOPWRIGHT_TARGET: 'tiny',
  LOOPWRIGHT_TRAJECTORY: path.join(FIX, 'tiny-saved.jsonl'),
  LOOPWRIGHT_PORT: String(20000 + Math.floor(Math.random() * 20000)),
  OPENAI_API_KEY: '',
  OPENAI_BASE_URL: '',
  DATABASE_URL: '',
  VITEST: '',
  ...extra,
});

function cli(
  env: NodeJS.ProcessEnv,
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(NODE, [MAIN, ...args], { env, cwd: tmp.home, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
const lastJson = <T>(stdout: string): T => JSON.parse(stdout.trim().split('\n').at(-1)!) as T;

describe('loopwright CLI', () => {
  it('prints usage, and exits 2 on an unknown command or flag', async () => {
    const env = baseEnv('usage');
    expect((await cli(env, '--help')).stdout).toContain('submit "<request>"');
    expect((await cli(env, 'frobnicate')).code).toBe(2);
    expect((await cli(env, 'run', '--nope')).code).toBe(2);
  });

  it('records a run on a live endpoint as a trajectory that replays to the same PR', async () => {
    // Any OpenAI-compatible endpoint is a live model to Loopwright; here one that plays a script.
    const endpoint = await startReplayServer({ trajectory: path.join(FIX, 'tiny-saved.jsonl') });
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
  }, 180_000);

  it('says what to do when a request or the model is missing', async () => {
    const noText = await cli(baseEnv('errors'), 'run');
    expect(noText.code).toBe(1);
    expect(noText.stderr).toContain('run needs the request text');
    const noModel = await cli(baseEnv('errors', { LOOPWRIGHT_TRAJECTORY: '' }), 'run', 'anything');
    expect(noModel.code).toBe(1);
    expect(noModel.stderr).toMatch(/no model is configured — set OPENAI_API_KEY/);
  });

  it('`run` takes a request to a PR in one process; --json is the last line; `status` lists it', async () => {
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
  });

  it('exits 1 with the ticket when it does not reach a PR', async () => {
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

  it('`submit` goes through a running `start` on the embedded database: --wait, --id exactly once', async () => {
    const env = baseEnv('start');
    const server = spawn(NODE, [MAIN, 'start'], { env, cwd: tmp.home, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(server);
    let out = '';
    server.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    server.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    for (let i = 0; i < 150 && !out.includes('worker running'); i++)
      await new Promise((r) => setTimeout(r, 200));
    expect(out).toContain('worker running');

    const waited = await cli(env, 'submit', 'Show Saved on the page', '--wait', '--json', '--id', 'req-1');
    expect(waited.code, waited.stderr).toBe(0);
    const ticket = lastJson<Ticket>(waited.stdout);
    expect(ticket.status).toBe('pr_opened');
    const again = await cli(env, 'submit', 'Show Saved on the page', '--json', '--id', 'req-1');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`Already submitted as ${ticket.id}`);
    expect(lastJson<Ticket>(again.stdout).id).toBe(ticket.id);

    server.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => server.on('close', r));
    expect(code).toBe(0);
  });
});
