/**
 * Publishing under failure and the evidence branch: a worker killed between push and PR, retried,
 * still yields exactly one PR; evidence lands on the orphan branch, never in the PR's diff; old
 * evidence is pruned; and a planted token appears nowhere.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitHubForge, EVIDENCE_BRANCH } from '../../src/forge/github.ts';
import { gitAuthEnv } from '../../src/forge/github-git.ts';
import { pruneEvidenceBranch } from '../../src/forge/evidence-branch.ts';
import { startGitHubWorld, TOKEN, type GitHubWorld } from '../fakes/github/harness.ts';
import { filesContaining, objectsContaining, sh } from '../fakes/github/repos.ts';
import { memoryLogger, testTicket } from '../fakes/github/setup.ts';
import { changeMaker, type ChangeMaker } from '../helpers/change.ts';

describe('publishing under failure, and evidence', () => {
  let world: GitHubWorld;
  let evidenceRoot: string;
  let mirror: ChangeMaker;
  const logs = memoryLogger();
  beforeAll(async () => {
    world = await startGitHubWorld();
    mirror = changeMaker(world.bare);
    evidenceRoot = mkdtempSync(path.join(os.tmpdir(), 'lw-evidence-'));
  });
  afterAll(async () => {
    expect(world.api.violations).toEqual([]);
    await world.close();
    mirror?.cleanup();
    rmSync(evidenceRoot, { recursive: true, force: true });
  });

  const evidenceDir = (id: string, extra: Record<string, Buffer | string> = {}) => {
    const dir = path.join(evidenceRoot, id);
    mkdirSync(path.join(dir, 'steps'), { recursive: true });
    const files: Record<string, Buffer | string> = {
      'manifest.json': JSON.stringify({ plan: { title: 'Blue button' }, runs: [] }),
      'head.gif': Buffer.from('GIF89a-fake'),
      'steps/01.png': Buffer.from('png-1'),
      'head.webm': randomBytes(200_000),
      ...extra,
    };
    for (const [rel, content] of Object.entries(files)) writeFileSync(path.join(dir, rel), content);
    return { dir, files: Object.keys(files) };
  };

  it('yields exactly one PR when a worker is killed after the push and the ticket is retried', async () => {
    const branch = 'loopwright/t_kill-blue';
    const first = await mirror.change({ 'app.js': 'export const color = "blue";\n' });
    const arrived = world.api.hold('pulls/list');
    const child = spawn(
      process.execPath,
      [
        path.resolve(import.meta.dirname, '../fakes/github/publish-child.ts'),
        JSON.stringify({
          config: { githubToken: TOKEN, githubApiUrl: world.api.url, repo: world.repoUrl },
          change: first,
          attempt: 1,
          branch,
          ticketId: 't_kill',
        }),
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await arrived; // the branch is pushed and the PR lookup is in flight
    child.kill('SIGKILL');
    await exited;
    expect(sh(world.bare, 'rev-parse', '--verify', `refs/heads/${branch}`)).toMatch(/^[0-9a-f]{40}$/);
    expect(world.api.pulls).toHaveLength(0);

    const pushed = sh(world.bare, 'rev-parse', `refs/heads/${branch}`);

    // The retried ticket runs again (attempt 2) and proves the same tree: the pushed commit is adopted.
    const retry = await mirror.change({ 'app.js': 'export const color = "blue";\n' });
    expect(retry.tree).toBe(first.tree);
    const forge = createGitHubForge({ config: world.config(), log: logs.log });
    const pr = await forge.publish({
      ticket: testTicket('t_kill'),
      change: retry,
      attempt: 2,
      branch,
      baseBranch: 'main',
      title: 'Make the button blue',
      body: 'b',
      draft: false,
    });
    const again = await forge.publish({
      ticket: testTicket('t_kill'),
      change: retry,
      attempt: 2,
      branch,
      baseBranch: 'main',
      title: 'Make the button blue',
      body: 'b2',
      draft: false,
    });
    expect(pr.commit).toBe(pushed);
    expect(again).toMatchObject({ number: pr.number, commit: pushed });
    expect(world.api.pulls.filter((p) => p.head === branch)).toHaveLength(1);
    expect(world.api.callsOf('pulls/create')).toHaveLength(1);
    expect(sh(world.bare, 'rev-list', '--count', `main..refs/heads/${branch}`)).toBe('1');
  }, 30_000);

  it('publishes evidence to the orphan branch, links it, caps it, and keeps it out of the PR diff', async () => {
    const forge = createGitHubForge({ config: world.config(), log: logs.log, evidenceCapBytes: 1_000_000 });
    const branch = 'loopwright/t_ev1-blue';
    const change = await mirror.change({ 'app.js': 'export const color = "blue";\n' });
    const { dir, files } = evidenceDir('t_ev1', {
      'trace.zip': randomBytes(900_000),
      'transcript.jsonl': '{"text":"key sk-proj-abcdefghijklmnopqrstuvwxyz012345"}\n',
    });
    const published = await forge.publishEvidenceDetailed('t_ev1', dir, files);
    const web = `${world.api.url}/acme/app/blob/${EVIDENCE_BRANCH}/t_ev1`;
    expect(published.urls).toEqual({
      'manifest.json': `${web}/manifest.json`,
      'head.gif': `${web}/head.gif?raw=true`,
      'steps/01.png': `${web}/steps/01.png?raw=true`,
      'head.webm': `${web}/head.webm`,
    });
    expect(published.skipped.map((s) => s.path).sort()).toEqual(['trace.zip', 'transcript.jsonl']);
    const pr = await forge.publish({
      ticket: testTicket('t_ev1'),
      change,
      attempt: 1,
      branch,
      baseBranch: 'main',
      title: 'Blue',
      body: `![after](${published.urls['head.gif']})`,
      draft: false,
    });
    expect(pr.number).toBeGreaterThan(0);

    const ref = `refs/heads/${EVIDENCE_BRANCH}`;
    expect(sh(world.bare, 'ls-tree', '-r', '--name-only', ref).split('\n').sort()).toEqual(
      ['index.json', 't_ev1/head.gif', 't_ev1/head.webm', 't_ev1/manifest.json', 't_ev1/steps/01.png'].sort(),
    );
    expect(sh(world.bare, 'rev-list', '--count', ref)).toBe('1');
    // Orphan: shares no history with main.
    expect(() => sh(world.bare, 'merge-base', 'main', ref)).toThrow();
    // The PR's diff is only the change; the trusted git dir never saw the evidence branch.
    expect(sh(world.bare, 'diff', '--name-only', `main...refs/heads/${branch}`)).toBe('app.js');
    expect(sh(world.bare, 'rev-parse', `refs/heads/${branch}^{tree}`)).toBe(change.tree);
    expect(sh(mirror.gitDir, 'for-each-ref', '--format=%(refname)')).not.toContain(EVIDENCE_BRANCH);

    // A second ticket adds its directory on top.
    const second = evidenceDir('t_ev2');
    await forge.publishEvidence!('t_ev2', second.dir, second.files);
    expect(sh(world.bare, 'rev-list', '--count', ref)).toBe('2');
    const index = JSON.parse(sh(world.bare, 'show', `${ref}:index.json`)) as {
      tickets: Record<string, { publishedAt: string }>;
    };
    expect(Object.keys(index.tickets).sort()).toEqual(['t_ev1', 't_ev2']);

    // Prune with a cutoff between the two: t_ev1 goes, history is rewritten as one orphan commit.
    const t1 = Date.parse(index.tickets.t_ev1!.publishedAt);
    const t2 = Date.parse(index.tickets.t_ev2!.publishedAt);
    const url = world.repoUrl;
    const removed = await pruneEvidenceBranch(
      {
        url,
        authEnv: gitAuthEnv(url, TOKEN),
        repoWebUrl: '',
        author: { name: 'Loopwright', email: 'lw@example.com' },
        log: logs.log,
      },
      1,
      (t1 + t2) / 2 + 86_400_000,
    );
    expect(removed).toEqual(['t_ev1']);
    expect(sh(world.bare, 'rev-list', '--count', ref)).toBe('1');
    expect(sh(world.bare, 'ls-tree', '--name-only', ref).split('\n').sort()).toEqual(['index.json', 't_ev2']);
    expect(await forge.pruneEvidence(30)).toEqual([]);
  }, 30_000);

  it('leaks the token nowhere: the trusted git dir, evidence, remote objects, logs, API traffic, PR bodies', () => {
    const basic = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');
    for (const needle of [TOKEN, basic]) {
      for (const dir of mirror.dirs) expect(filesContaining(dir, needle)).toEqual([]);
      expect(objectsContaining(mirror.gitDir, needle)).toBe(false);
      expect(filesContaining(evidenceRoot, needle)).toEqual([]);
      expect(filesContaining(world.root, needle)).toEqual([]);
      expect(objectsContaining(world.bare, needle)).toBe(false);
      expect(logs.lines.join('')).not.toContain(needle);
      expect(JSON.stringify(world.api.calls.map((c) => [c.path, c.query, c.body]))).not.toContain(needle);
      expect(JSON.stringify(world.api.pulls)).not.toContain(needle);
      expect(JSON.stringify(world.git.requests)).not.toContain(needle);
    }
  });
});
