/**
 * Targets from loopwright.config.json and the single-target variables: what each deployment's
 * targets resolve to, and the start-up errors that name the setting and the fix.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { configForTarget, findTarget, resolveTargets } from '../../src/config/targets.ts';
import type { CodedError } from '../../src/core/errors.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'lw-targets-'));
const withFile = (json: unknown, env: Record<string, string> = {}) => {
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(json));
  return loadConfig({ env: { LOOPWRIGHT_HOME: dir, LOOPWRIGHT_CONFIG: file, ...env }, cwd: dir });
};
const failure = (fn: () => unknown): CodedError => {
  try {
    fn();
  } catch (error) {
    return error as CodedError;
  }
  throw new Error('expected a configuration error');
};

const TWO = {
  targets: {
    datadesk: {
      repo: '/srv/datadesk',
      baseBranch: 'main',
      githubRepo: 'acme/datadesk',
      slackChannels: ['C1'],
    },
    notebooks: {
      repo: '/srv/notebooks',
      baseBranch: 'trunk',
      githubRepo: 'acme/notebooks',
      slackChannels: ['C2', 'C3'],
      budgets: { maxTurns: 7 },
      model: 'gpt-4.1-mini',
      reviewers: ['alice'],
      poolSize: 2,
    },
  },
};

describe('targets', () => {
  it('keeps a one-app deployment as it was: the env variables define the target LOOPWRIGHT_TARGET names', () => {
    const config = loadConfig({
      env: { LOOPWRIGHT_HOME: dir, LOOPWRIGHT_REPO: '/srv/app', LOOPWRIGHT_SLACK_CHANNELS: 'C9' },
      cwd: dir,
    });
    // Unnamed, the target is named after its repository.
    expect(resolveTargets(config)).toMatchObject([
      { name: 'app', repo: '/srv/app', baseBranch: 'main', slackChannels: ['C9'] },
    ]);
    const named = loadConfig({
      env: { LOOPWRIGHT_HOME: dir, LOOPWRIGHT_REPO: '/srv/app', LOOPWRIGHT_TARGET: 'dash' },
      cwd: dir,
    });
    expect(resolveTargets(named)).toMatchObject([{ name: 'dash', repo: '/srv/app' }]);
  });

  it('reads targets from the config file, each with its own settings', () => {
    const config = withFile(TWO);
    const targets = resolveTargets(config);
    expect(targets.map((t) => t.name)).toEqual(['datadesk', 'notebooks']);
    const nb = configForTarget(config, findTarget(targets, 'notebooks'));
    expect(nb).toMatchObject({
      target: 'notebooks',
      repo: '/srv/notebooks',
      baseBranch: 'trunk',
      githubRepo: 'acme/notebooks',
      slackChannels: ['C2', 'C3'],
      model: 'gpt-4.1-mini',
      githubReviewers: ['alice'],
      poolSize: 2,
    });
    expect(nb.budgets.maxTurns).toBe(7);
    expect(nb.budgets.maxTokens).toBe(config.budgets.maxTokens);
  });

  it('LOOPWRIGHT_TARGET picks the default target among the file targets', () => {
    expect(withFile(TWO, { LOOPWRIGHT_TARGET: 'notebooks' }).target).toBe('notebooks');
  });

  it('names an unknown target and lists the known ones', () => {
    const error = failure(() => withFile(TWO, { LOOPWRIGHT_TARGET: 'admin' }));
    expect(error.code).toBe('config_invalid');
    expect(error.message).toContain('LOOPWRIGHT_TARGET');
    expect(error.message).toContain('datadesk, notebooks');
    expect(error.hint).toContain('add "admin" to targets');
    const flag = failure(() => findTarget(resolveTargets(withFile(TWO)), 'admin'));
    expect(flag.message).toMatch(/^--target names "admin"/);
  });

  it('refuses two targets claiming one Slack channel, naming both settings', () => {
    const clash = structuredClone(TWO);
    clash.targets.notebooks.slackChannels = ['C2', 'C1'];
    const error = failure(() => withFile(clash));
    expect(error.message).toBe(
      'targets.datadesk.slackChannels and targets.notebooks.slackChannels both claim Slack channel C1',
    );
    expect(error.hint).toContain('remove C1 from one of them');
  });

  it('names a bad field of a target with its full path', () => {
    const error = failure(() =>
      withFile({
        targets: { notebooks: { baseBranch: 'main', githubRepo: 'not a repo', slakChannels: [] } },
      }),
    );
    expect(error.message).toContain('targets.notebooks.repo: is required');
    expect(error.message).toContain('targets.notebooks.githubRepo: must look like owner/name');
    expect(error.message).toMatch(/targets\.notebooks\.\(root\): Unrecognized key.*slakChannels/);
  });
});
