/**
 * The fake GitHub is only as good as its contract: the fixture must be the published description's
 * slice (regenerated here from @octokit/openapi), and requests outside it must be caught.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixture } from '../../scripts/gen-github-fixture.ts';
import { loadFixture } from '../fakes/github/openapi.ts';
import { startFakeGitHub, type FakeGitHub } from '../fakes/github/server.ts';

describe('fake GitHub contract', () => {
  let api: FakeGitHub;
  beforeAll(async () => {
    api = await startFakeGitHub({ owner: 'acme', repo: 'app', tokens: ['t0ken-for-tests'] });
  });
  afterAll(async () => {
    await api.close();
  });
  const call = (method: string, p: string, body?: unknown, token = 't0ken-for-tests') =>
    fetch(`${api.url}${p}`, {
      method,
      headers: { authorization: `token ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('is the slice of the published description that scripts/gen-github-fixture.ts makes', () => {
    const require = createRequire(import.meta.url);
    const dir = path.dirname(require.resolve('@octokit/openapi/package.json'));
    const version = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string })
      .version;
    const spec = JSON.parse(readFileSync(path.join(dir, 'generated', 'api.github.com.deref.json'), 'utf8'));
    expect(buildFixture(spec, version)).toEqual(loadFixture());
  });

  it('records requests that break the description and answers them 422', async () => {
    const before = api.violations.length;
    const missingHead = await call('POST', '/repos/acme/app/pulls', { base: 'main', title: 'x' });
    expect(missingHead.status).toBe(422);
    const wrongType = await call('POST', '/repos/acme/app/pulls', { head: 'b', base: 'main', draft: 'yes' });
    expect(wrongType.status).toBe(422);
    const badQuery = await call('GET', '/repos/acme/app/pulls?state=weird');
    expect(badQuery.status).toBe(422);
    const unknown = await call('DELETE', '/repos/acme/app/pulls/1');
    expect(unknown.status).toBe(404);
    expect(api.violations.slice(before)).toEqual([
      'pulls/create: body.head: required',
      'pulls/create: body.draft: expected boolean, got string',
      'pulls/list: query.state: "weird" not in enum',
      'DELETE /repos/acme/app/pulls/1: no such operation in the published description',
    ]);
    api.violations.length = before;
  });

  it('refuses bad credentials and answers valid requests with documented shapes', async () => {
    expect((await call('GET', '/repos/acme/app/pulls', undefined, 'nope')).status).toBe(401);
    const created = await call('POST', '/repos/acme/app/pulls', {
      head: 'feature',
      base: 'main',
      title: 'T',
      draft: true,
    });
    expect(created.status).toBe(201);
    const pr = (await created.json()) as Record<string, unknown>;
    expect(pr).toMatchObject({ number: 1, draft: true, head: { ref: 'feature' }, state: 'open' });
    // Required fields of the documented pull-request shape are there.
    for (const key of [
      'id',
      'node_id',
      'url',
      'html_url',
      'diff_url',
      'user',
      'base',
      'head',
      '_links',
      'created_at',
    ]) {
      expect(pr).toHaveProperty(key);
    }
    const dup = await call('POST', '/repos/acme/app/pulls', { head: 'feature', base: 'main', title: 'T' });
    expect(dup.status).toBe(422);
    expect(((await dup.json()) as { errors: { message: string }[] }).errors[0]?.message).toContain(
      'A pull request already exists',
    );
    expect(api.violations).toEqual([]);
  });
});
