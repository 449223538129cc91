/**
 * `.loopwright.yml` `proofTests`: the demo ticket on Datadesk (which sets `proofTests: e2e`) through
 * the real pipeline — bwrap sandboxes and rooms, real Chromium, the replayed demo trajectory, the
 * local forge. The PR adds the proof as `e2e/<slug>.spec.ts`; publishing ran it with Datadesk's
 * @playwright/test against the change; and it passes again here, run by @playwright/test against a
 * Vite server on a checkout of the published commit.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRuntime, type Runtime } from '../../src/cli/runtime.ts';
import { loadConfig } from '../../src/config/load.ts';
import { DEMO_REQUEST, DEMO_TRAJECTORY } from '../../src/loop/replay/demo.ts';
import { createReplayLoopRunner } from '../../src/tickets/agents.ts';
import { runTicket } from '../../src/tickets/pipeline.ts';
import { memoryLogger } from '../fakes/github/setup.ts';
import { copyDatadeskSources, DATADESK, datadeskUnavailable, startVite } from '../helpers/datadesk.ts';
import { git } from '../helpers/git.ts';
import { isolationSkipReason } from '../sandbox/helpers.ts';
import { dbTemplateEnv } from '../helpers/db-template.ts';

const skip = isolationSkipReason() ?? datadeskUnavailable();

describe.skipIf(skip)('the proof kept as a Playwright test in the repository', () => {
  let root: string;
  let rt: Runtime;
  const servers: ChildProcess[] = [];

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'lw-prooftest-'));
    const repo = path.join(root, 'repo');
    mkdirSync(repo);
    copyDatadeskSources(repo);
    rmSync(path.join(repo, 'node_modules'));
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'datadesk');
    const config = loadConfig({
      cwd: root,
      env: {
        ...dbTemplateEnv(),
        LOOPWRIGHT_HOME: path.join(root, 'home'),
        LOOPWRIGHT_REPO: repo,
        LOOPWRIGHT_POOL_SIZE: '0',
        LOOPWRIGHT_PUBLIC_URL: 'http://127.0.0.1:4700',
      },
    });
    rt = await openRuntime(
      { ...config, maxAttempts: 1 },
      { log: memoryLogger().log, scriptedFallback: true },
    );
  }, 60_000);

  afterAll(async () => {
    for (const s of servers) s.kill('SIGTERM');
    await rt?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('the PR on Datadesk adds e2e/<slug>.spec.ts, which passes under @playwright/test', async () => {
    const { ticket: submitted } = await rt.tickets.store.submit(
      { target: rt.config.target, request: { text: DEMO_REQUEST, source: 'cli', requester: 'ana' } },
      { enqueue: false },
    );
    const runLoop = createReplayLoopRunner({ config: rt.config, trajectory: DEMO_TRAJECTORY });
    const { ticket } = await runTicket({ ...rt.pipeline(), store: rt.tickets.store, runLoop }, submitted.id);
    const logs = (await rt.tickets.store.timeline(ticket.id)).flatMap((e) =>
      e.event.type === 'log' ? [e.event.text] : [],
    );
    expect(ticket.status, `${JSON.stringify(ticket.error)}\n${logs.join('\n')}`).toBe('pr_opened');
    // Unnamed, the target is named after its repository.
    expect(ticket.target).toBe('repo');

    const forgeRepo = rt.localForge!.repoPath;
    const ref = `refs/heads/${ticket.pr!.branch}`;
    const files = git(forgeRepo, 'ls-tree', '-r', '--name-only', ref).split('\n');
    const spec = files.find((f) => /^e2e\/[\w-]+\.spec\.ts$/.test(f));
    expect(spec, logs.join('\n')).toBeDefined();
    const source = git(forgeRepo, 'show', `${ref}:${spec}`);
    expect(source).toContain("import { test, expect } from '@playwright/test';");
    expect(source).toContain('if (process.env.BASE_URL) test.use({ baseURL: process.env.BASE_URL });');
    expect(source).not.toMatch(/127\.0\.0\.1:\d+/);
    expect(logs.join('\n')).toContain(`proof test ${spec} passed under @playwright/test`);
    const pr = await rt.localForge!.getPullRequest(ticket.pr!.number);
    expect(pr?.body).toContain(`The proof is added as \`${spec}\``);

    // Independently of the room: a checkout of the published commit, its dev server, the test.
    const checkout = path.join(root, 'published');
    mkdirSync(checkout);
    execFileSync('sh', ['-c', `git --git-dir=${forgeRepo} archive ${ref} | tar -x -C ${checkout}`]);
    symlinkSync(path.join(DATADESK, 'node_modules'), path.join(checkout, 'node_modules'));
    const vite = await startVite(checkout);
    servers.push(vite.child);
    const config = path.join(root, 'pw.config.mjs');
    writeFileSync(
      config,
      `export default ${JSON.stringify({
        testDir: path.join(checkout, 'e2e'),
        outputDir: path.join(root, 'pw-results'),
        workers: 1,
        use: { launchOptions: { executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] } },
      })};\n`,
    );
    const out = execFileSync(
      process.execPath,
      [
        path.join(checkout, 'node_modules/@playwright/test/cli.js'),
        'test',
        '--config',
        config,
        '--reporter=line',
      ],
      { cwd: checkout, env: { PATH: process.env.PATH, HOME: root, BASE_URL: vite.url }, encoding: 'utf8' },
    );
    expect(out).toMatch(/1 passed/);
  }, 400_000);
});
