/**
 * A change as the pipeline hands it to a forge, made with real git: a trusted bare git dir laid
 * out like the sandbox's mirror (the remote's branches under refs/remotes/origin/*), and the tree
 * of a work tree checked out from a branch and edited, snapshotted the way the sandbox does.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PublishChange } from '../../src/forge/types.ts';
import { checkoutTree, snapshotTree } from '../../src/sandbox/tree.ts';

const run = (gitDir: string, ...args: string[]): string =>
  execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8' }).trim();

export interface ChangeMaker {
  /** The trusted git dir (a bare clone of the remote). */
  gitDir: string;
  /** Fetches the remote's branches again, as the mirror does before a ticket starts. */
  refresh(): void;
  /** `files` written over a checkout of the remote's `from` branch, as a change on its head. */
  change(files: Record<string, string>, from?: string): Promise<PublishChange>;
  /** Every directory made, for grepping and cleanup. */
  dirs: string[];
  cleanup(): void;
}

/** A trusted git dir for `remote` (a path or file:// URL the test can read without credentials). */
export function changeMaker(remote: string): ChangeMaker {
  const root = mkdtempSync(path.join(os.tmpdir(), 'lw-change-'));
  const gitDir = path.join(root, 'mirror.git');
  execFileSync('git', ['init', '-q', '--bare', gitDir]);
  const dirs = [root];
  const refresh = () => {
    run(gitDir, 'fetch', '-q', '--no-tags', remote, '+refs/heads/*:refs/remotes/origin/*');
  };
  refresh();
  let n = 0;
  return {
    gitDir,
    refresh,
    dirs,
    async change(files, from = 'main') {
      const parent = run(gitDir, 'rev-parse', '--verify', `refs/remotes/origin/${from}^{commit}`);
      const work = path.join(root, `work-${++n}`);
      const scratch = path.join(root, 'scratch');
      await checkoutTree(gitDir, parent, work, scratch);
      for (const [rel, content] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(work, rel)), { recursive: true });
        writeFileSync(path.join(work, rel), content);
      }
      const tree = await snapshotTree(gitDir, work, parent, scratch);
      return { gitDir, tree, parent };
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
