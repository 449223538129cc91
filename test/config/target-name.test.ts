/** A target nobody named is named after its repository, not after the bundled app. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';

const cwd = mkdtempSync(path.join(os.tmpdir(), 'lw-target-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

const targetFor = (env: NodeJS.ProcessEnv) => loadConfig({ env, cwd }).target;

describe('target name', () => {
  it('comes from the repository when no name is configured', () => {
    expect(targetFor({ LOOPWRIGHT_REPO: 'https://github.com/satnaing/shadcn-admin.git' })).toBe(
      'shadcn-admin',
    );
    expect(targetFor({ LOOPWRIGHT_REPO: 'git@github.com:acme/storefront.git' })).toBe('storefront');
    expect(targetFor({ LOOPWRIGHT_REPO: '/srv/repos/admin-dashboard/' })).toBe('admin-dashboard');
    expect(targetFor({ LOOPWRIGHT_GITHUB_REPO: 'acme/billing', LOOPWRIGHT_REPO: '/tmp/x' })).toBe('billing');
  });

  it('is the configured name when there is one, and datadesk for the bundled app', () => {
    expect(targetFor({ LOOPWRIGHT_TARGET: 'shop', LOOPWRIGHT_REPO: '/srv/repos/admin' })).toBe('shop');
    expect(targetFor({})).toBe('datadesk');
  });
});
