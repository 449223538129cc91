/**
 * The GitHub forge end to end against the fake REST API (checked against GitHub's published
 * description) and a real git smart-HTTP remote: one PR per branch, updates, drafts, labels and
 * reviewers, the 422 race, 5xx retries, rate limits, error classification, GHE, App auth.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CodedError, ErrorCode } from '../../src/core/errors.ts';
import { createGitHubForge, githubEnabled, webUrlFor, gitUrlFor } from '../../src/forge/github.ts';
import type { PublishChange, PublishInput } from '../../src/forge/types.ts';
import { startGitHubWorld, TOKEN, type GitHubWorld } from '../fakes/github/harness.ts';
import { sh } from '../fakes/github/repos.ts';
import { primaryRateLimit, secondaryRateLimit, serverError } from '../fakes/github/server.ts';
import { memoryLogger, testConfig, testTicket } from '../fakes/github/setup.ts';
import { changeMaker, type ChangeMaker } from '../helpers/change.ts';

const input = (
  ticketId: string,
  branch: string,
  change: PublishChange,
  over: Partial<PublishInput> = {},
): PublishInput => ({
  ticket: testTicket(ticketId),
  change,
  attempt: 1,
  branch,
  baseBranch: 'main',
  title: 'Make the button blue',
  body: '## Proof\n\n- [x] fails on base, passes on the change twice\n',
  draft: false,
  ...over,
});

/** A change adding one file on main, in a trusted git dir of the world's repo. */
const changed = (world: GitHubWorld): Promise<PublishChange> => mirrorOf(world).change({ 'x.txt': 'x\n' });

const mirrors = new Map<GitHubWorld, ChangeMaker>();
const mirrorOf = (world: GitHubWorld): ChangeMaker => {
  const made = mirrors.get(world) ?? changeMaker(world.bare);
  mirrors.set(world, made);
  return made;
};
const closeWorld = async (world: GitHubWorld) => {
  mirrors.get(world)?.cleanup();
  mirrors.delete(world);
  await world.close();
};

describe('GitHub forge', () => {
  let world: GitHubWorld;
  const logs = memoryLogger();
  beforeEach(async () => {
    world = await startGitHubWorld();
  });
  afterEach(async () => {
    expect(world.api.violations).toEqual([]);
    expect(logs.lines.join('')).not.toContain(TOKEN);
    await closeWorld(world);
  });

  const forgeOf = (over: Record<string, unknown> = {}) =>
    createGitHubForge({ config: world.config(over), log: logs.log, retryAfterBaseValue: 20 });

  it('opens one PR with label and reviewers, then updates it from a follow-up on the same branch', async () => {
    const forge = forgeOf({ githubReviewers: 'octo-reviewer' });
    const branch = 'loopwright/t_1-blue';
    const change = await mirrorOf(world).change({ 'app.js': 'export const color = "blue";\n' });
    const pr = await forge.publish(input('t_1', branch, change));
    expect(sh(world.bare, 'rev-parse', `refs/heads/${branch}^{tree}`)).toBe(change.tree);
    expect(pr).toMatchObject({
      number: 1,
      branch,
      draft: false,
      url: expect.stringMatching(/\/acme\/app\/pull\/1$/),
    });
    const [pull] = world.api.pulls;
    expect(pull).toMatchObject({
      head: branch,
      base: 'main',
      labels: ['loopwright'],
      reviewers: ['octo-reviewer'],
    });
    expect(pull?.body).toContain('fails on base, passes on the change twice');
    expect(world.api.callsOf('pulls/list')[0]?.query).toMatchObject({
      head: `acme:${branch}`,
      state: 'open',
    });

    // A follow-up ticket works on the pushed branch and publishes again: same PR, updated.
    mirrorOf(world).refresh();
    const follow = await mirrorOf(world).change({ 'app.js': 'export const color = "navy";\n' }, branch);
    const again = await forge.publish(
      input('t_2', branch, follow, { title: 'Make it navy', body: 'navy body' }),
    );
    expect(again.number).toBe(1);
    expect(world.api.pulls).toHaveLength(1);
    expect(world.api.pulls[0]).toMatchObject({ title: 'Make it navy', body: 'navy body' });
    expect(world.api.callsOf('pulls/create')).toHaveLength(1);
    expect(sh(world.bare, 'rev-list', '--count', `main..refs/heads/${branch}`)).toBe('2');
    expect(again.commit).toBe(sh(world.bare, 'rev-parse', `refs/heads/${branch}`));
    expect(sh(world.bare, 'rev-parse', `${again.commit}^{tree}`)).toBe(follow.tree);
    expect(sh(world.bare, 'rev-parse', `${again.commit}^`)).toBe(pr.commit);
    expect(await forge.findPullRequest(branch)).toMatchObject({ number: 1 });
    expect(await forge.findPullRequest('loopwright/none')).toBeUndefined();
  });

  it('opens a draft when asked and flips the draft state of an existing PR', async () => {
    const forge = forgeOf();
    const branch = 'loopwright/t_3-draft';
    const change = await changed(world);
    expect((await forge.publish(input('t_3', branch, change, { draft: true }))).draft).toBe(true);
    expect(world.api.pulls[0]?.draft).toBe(true);
    const ready = await forge.publish(input('t_3', branch, change, { draft: false }));
    expect(ready.draft).toBe(false);
    expect(world.api.pulls[0]?.draft).toBe(false);
    expect(world.api.callsOf('graphql')).toHaveLength(1);
  });

  it('answers 422 "A pull request already exists" by finding and updating that PR', async () => {
    const forge = forgeOf();
    const branch = 'loopwright/t_4-race';
    const change = await changed(world);
    await forge.publish(input('t_4', branch, change));
    // Another worker's lookup raced ours: the list comes back empty once, so create is tried.
    world.api.queue('pulls/list', { status: 200, body: [] });
    const pr = await forge.publish(input('t_4', branch, change, { body: 'second body' }));
    expect(pr.number).toBe(1);
    expect(world.api.pulls).toHaveLength(1);
    expect(world.api.pulls[0]?.body).toBe('second body');
    expect(world.api.callsOf('pulls/create')).toHaveLength(2);
  });

  it('retries a 502 and succeeds', async () => {
    const forge = forgeOf();
    const branch = 'loopwright/t_5-502';
    const change = await changed(world);
    world.api.queue('pulls/create', serverError(502));
    const pr = await forge.publish(input('t_5', branch, change));
    expect(pr.number).toBe(1);
    expect(world.api.callsOf('pulls/create')).toHaveLength(2);
  });

  it('honours a secondary rate limit (retry-after) and a primary one (x-ratelimit-remaining: 0)', async () => {
    const forge = forgeOf();
    const branch = 'loopwright/t_6-limit';
    const change = await changed(world);
    world.api.queue('pulls/create', secondaryRateLimit(1));
    world.api.queue('pulls/list', primaryRateLimit(0));
    await forge.publish(input('t_6', branch, change));
    const creates = world.api.callsOf('pulls/create');
    expect(creates).toHaveLength(2);
    expect((creates[1]?.at ?? 0) - (creates[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    const lists = world.api.callsOf('pulls/list');
    expect(lists.length).toBeGreaterThanOrEqual(2);
    expect(logs.lines.join('')).toContain('secondary rate limit');
  }, 20_000);

  it('classifies failures by status: 404 is final, persistent 5xx is retryable', async () => {
    const forge = forgeOf();
    world.api.queue('pulls/list', { status: 404, body: { message: 'Not Found' } });
    const notFound = (await forge.findPullRequest('loopwright/x').catch((e: unknown) => e)) as CodedError;
    expect(notFound).toBeInstanceOf(CodedError);
    expect(notFound).toMatchObject({ code: ErrorCode.GitHubError, retryable: false });
    expect(notFound.hint).toMatch(/LOOPWRIGHT_GITHUB_REPO/);

    world.api.queue('pulls/list', ...Array.from({ length: 4 }, () => serverError(503)));
    const down = (await forge.findPullRequest('loopwright/x').catch((e: unknown) => e)) as CodedError;
    expect(down).toMatchObject({ code: ErrorCode.GitHubError, retryable: true });
    expect(world.api.callsOf('pulls/list')).toHaveLength(5);
  });

  it('reports a wrong token as a GitHubError without the token in it', async () => {
    const wrong = 'ghp_wrongSecretToken0123456789ABCDEFGHIJKL';
    const forge = forgeOf({ githubToken: wrong });
    const error = (await forge.findPullRequest('loopwright/x').catch((e: unknown) => e)) as CodedError;
    expect(error).toMatchObject({ code: ErrorCode.GitHubError, retryable: false });
    expect(error.describe()).not.toContain(wrong);
  });
});

describe('GitHub Enterprise and App auth', () => {
  let world: GitHubWorld | undefined;
  afterEach(async () => {
    if (!world) return;
    expect(world.api.violations).toEqual([]);
    await closeWorld(world);
    world = undefined;
  });

  it('derives web hosts and git URLs from GITHUB_API_URL', () => {
    expect(webUrlFor('https://api.github.com')).toBe('https://github.com');
    expect(webUrlFor('https://ghe.example.com/api/v3')).toBe('https://ghe.example.com');
    expect(webUrlFor('https://ghe.example.com/api/v3/')).toBe('https://ghe.example.com');
    expect(webUrlFor('https://api.acme.ghe.com')).toBe('https://acme.ghe.com');
    expect(gitUrlFor(testConfig({ githubApiUrl: 'https://ghe.example.com/api/v3' }))).toBe(
      'https://ghe.example.com/acme/app.git',
    );
    expect(githubEnabled(testConfig({}))).toBe(false);
    expect(githubEnabled(testConfig({ githubToken: 'x' }))).toBe(true);
    expect(
      githubEnabled(testConfig({ githubAppId: '1', githubAppPrivateKey: 'k', githubInstallationId: '2' })),
    ).toBe(true);
  });

  it('publishes against a GHE-style /api/v3 base URL', async () => {
    world = await startGitHubWorld({ prefix: '/api/v3' });
    expect(world.api.url).toMatch(/\/api\/v3$/);
    const forge = createGitHubForge({ config: world.config(), log: memoryLogger().log });
    const branch = 'loopwright/t_7-ghe';
    const change = await changed(world);
    const pr = await forge.publish(input('t_7', branch, change, { title: 't', body: 'b' }));
    expect(pr.number).toBe(1);
  });

  it('authenticates as a GitHub App installation, for the API and for the push', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    world = await startGitHubWorld({
      tokens: [],
      app: {
        id: '4242',
        installationId: 77,
        publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      },
    });
    const { log, lines } = memoryLogger();
    const config = world.config({
      githubToken: undefined,
      githubAppId: '4242',
      githubAppPrivateKey: pem.replace(/\n/g, '\\n'),
      githubInstallationId: '77',
    });
    const forge = createGitHubForge({ config, log });
    const branch = 'loopwright/t_8-app';
    const change = await changed(world);
    const pr = await forge.publish(input('t_8', branch, change, { title: 't', body: 'b' }));
    expect(pr.number).toBe(1);
    const minted = [...world.api.tokens];
    expect(minted).toHaveLength(1);
    expect(world.api.callsOf('apps/create-installation-access-token').length).toBeGreaterThanOrEqual(1);
    expect(world.api.callsOf('apps/create-installation-access-token')[0]?.path).toBe(
      '/app/installations/77/access_tokens',
    );
    expect(world.git.requests.some((r) => r.path.endsWith('git-receive-pack') && r.authorized)).toBe(true);
    expect(sh(world.bare, 'rev-parse', '--verify', `refs/heads/${branch}`)).toMatch(/^[0-9a-f]{40}$/);
    expect(lines.join('')).not.toContain(minted[0]);
    expect(forge.gitEnv().GIT_CONFIG_VALUE_0).toMatch(/^Authorization: Basic /);
    const fresh = await forge.prepareGitEnv();
    expect(
      Buffer.from(fresh.GIT_CONFIG_VALUE_0!.slice('Authorization: Basic '.length), 'base64').toString(),
    ).toBe(`x-access-token:${minted[0]}`);
  });
});
