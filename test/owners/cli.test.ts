/**
 * `loopwright owners <path>...` as a process: it reads the target's base branch the way a ticket's
 * reviewers get it and prints each path's owners and rules, and the lines it had to skip.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { git } from '../helpers/git.ts';
import { launch, tempDir } from '../cli/process.ts';

const tmp = tempDir('lw-owners-cli-');
afterAll(() => tmp.cleanup());

function targetRepo(): string {
  const repo = path.join(tmp.home, 'repo');
  const files: Record<string, string> = {
    'src/query/sql.ts': 'export {};\n',
    '.loopwright/reviewers/query.md':
      '---\nname: query-team\nmaxRounds: 2\n---\nEvery new SQL function has a unit test.\n',
    '.github/CODEOWNERS': '/src/query/ @acme/query-team\n/src/components/ @acme/ui-team\n[bad] @x\n',
  };
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
    writeFileSync(path.join(repo, rel), text);
  }
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'base');
  return repo;
}

async function owners(env: NodeJS.ProcessEnv, ...args: string[]) {
  const p = launch(['owners', ...args], { env, cwd: tmp.home });
  const { code } = await p.closed;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

describe('loopwright owners', () => {
  const env = {
    ...process.env,
    LOOPWRIGHT_HOME: path.join(tmp.home, 'home'),
    LOOPWRIGHT_REPO: targetRepo(),
    DATABASE_URL: '',
    OPENAI_API_KEY: '',
    VITEST: '',
  };

  it(
    'prints each path’s owners and rules, and the CODEOWNERS lines it skipped',
    { timeout: 120_000 },
    async () => {
      const text = await owners(env, 'src/query/sql.ts', 'src/components/Button.tsx', 'README.md');
      expect(text.code).toBe(0);
      expect(text.stdout).toContain(
        'src/query/sql.ts\n  general (required): the general rules\n  query-team (required, at most 2 rounds): rules in .loopwright/reviewers/query.md',
      );
      expect(text.stdout).toContain(
        '  @acme/ui-team (required): the general rules (.github/CODEOWNERS:2; no reviewer file names @acme/ui-team)',
      );
      expect(text.stdout).toContain('README.md\n  general (required): the general rules\n  no owner');
      expect(text.stdout).toContain('.github/CODEOWNERS:3: character ranges');

      const json = await owners(env, '--json', 'src/components/Button.tsx');
      const out = JSON.parse(json.stdout.trim().split('\n').at(-1)!) as {
        paths: { path: string; owners: { name: string }[] }[];
      };
      expect(out.paths).toEqual([
        {
          path: 'src/components/Button.tsx',
          owners: [{ name: '@acme/ui-team', required: true, codeownersLine: 2 }],
        },
      ]);
    },
  );

  it('without a path says what to give it', { timeout: 60_000 }, async () => {
    const none = await owners(env);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('owners needs at least one path');
    expect(none.stderr).toContain('loopwright owners src/query/parser.ts');
  });
});
