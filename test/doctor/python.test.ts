/** `doctor` on a Python target: the interpreter its .loopwright.yml names, as the sandbox would find it. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runChecks } from '../../src/cli/doctor.ts';
import { loadConfig } from '../../src/config/load.ts';
import { git } from '../helpers/git.ts';

/** A git repo on `main` with these files. */
function repoWith(files: Record<string, string>): string {
  const repo = mkdtempSync(path.join(os.tmpdir(), 'lw-doctor-py-'));
  for (const [rel, text] of Object.entries(files)) writeFileSync(path.join(repo, rel), text);
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'app');
  return repo;
}

const check = async (repo: string) => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'lw-doctor-'));
  const config = loadConfig({
    env: { LOOPWRIGHT_HOME: home, LOOPWRIGHT_REPO: repo },
    file: undefined,
    cwd: os.tmpdir(),
  });
  return (await runChecks(config)).find((r) => r.name === 'python');
};

describe('doctor: the target Python', () => {
  it('passes for the interpreter the target names when it can make a virtual environment', async () => {
    const repo = repoWith({ '.loopwright.yml': 'python: python3\nstart: python app.py\n', 'app.py': '' });
    expect(await check(repo)).toMatchObject({
      verdict: 'ok',
      detail: expect.stringMatching(/^`python3` \(the target's Python\): Python 3\.\d+\.\d+ with venv$/),
    });
  });

  it('fails with the fix when the named interpreter is not where the sandbox looks', async () => {
    const repo = repoWith({ '.loopwright.yml': 'python: python3.99\nstart: python app.py\n' });
    const result = await check(repo);
    expect(result).toMatchObject({ verdict: 'fail', required: true });
    expect(result!.detail).toContain("`python3.99` (the target's Python) is not on the sandbox's PATH");
    expect(result!.fix).toContain('apt-get install -y python3 python3-venv');
  });

  it('takes a repo with requirements.txt and no package.json as Python, and says nothing for a Node one', async () => {
    expect(await check(repoWith({ 'requirements.txt': 'flask\n' }))).toMatchObject({ verdict: 'ok' });
    expect(await check(repoWith({ 'package.json': '{}\n', 'requirements.txt': 'flask\n' }))).toBeUndefined();
  });
});
