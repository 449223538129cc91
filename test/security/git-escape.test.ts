/**
 * Host code execution through git metadata (issue 11; DESIGN.md section 5: "the worker runs git on
 * a sandbox's files only through one runner that ignores the worktree's own git config, hooks,
 * attributes filters and fsmonitor").
 *
 * The agent can write the whole worktree, including the `.git` pointer file. Here it replaces that
 * file with a pointer to a repository of its own inside the worktree (objects borrowed from the
 * real mirror through `objects/info/alternates`, so the worker's git keeps working), whose config
 * names a command. The worktree path is the same on the host and in the sandbox, so the command
 * can be a script the agent wrote there. The script appends to a marker file in a host directory
 * that no sandboxed process can reach (the sandbox has its own /tmp), recording which process ran
 * it. One ticket tries every way git runs a configured command at once (each had a ticket of its
 * own while the attack was live; on 75c2550 every one of them ran on the host):
 *
 * - core.fsmonitor (git add / status / diff refresh the index)
 * - core.hooksPath (post-index-change, pre-commit, post-commit, pre-push, reference-transaction…)
 * - a clean filter named by a `.gitattributes` line (`* filter=evil`, git add runs it)
 * - a textconv driver named by `.gitattributes`, and core.pager
 * - diff.external
 * - a push that pushInsteadOf rewrites to the ext:: transport, which the repo config allows
 *
 * The ticket then goes on as usual: submit_verification and finish (worker diffs), review, the
 * checks (in the sandbox), commit and push. Expected: no marker file exists afterwards, whatever the
 * ticket's status. Real ticket, real bwrap sandbox, real git, local forge, real Chromium.
 */
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  APPROVE,
  FOOTER_EDIT,
  FOOTER_PLAN,
  ALL_GIT_ESCAPES,
  EVIL_ATTRIBUTES,
  finish,
  gitEscapeSetup,
  useWorld,
  run,
  skipReason,
  submit,
  turn,
} from './helpers.ts';

describe.skipIf(skipReason)('security: git metadata the agent wrote never runs on the host', () => {
  const world = useWorld();
  beforeEach(() => {
    for (const f of readdirSync(world().outside)) rmSync(path.join(world().outside, f));
  });

  it('fsmonitor, hooks, filters, textconv, pager, diff.external and ext:: run nothing on the host', async () => {
    const setup = gitEscapeSetup({
      outside: world().outside,
      dir: '.cache-lw',
      configLines: ALL_GIT_ESCAPES,
      attributes: EVIL_ATTRIBUTES,
    });
    const { ticket, diag } = await world().runTicket([
      turn('coder', [
        FOOTER_EDIT,
        ['write_file', { path: '.cache-lw/setup.sh', content: setup }],
        run(`sh .cache-lw/setup.sh; printf '${EVIL_ATTRIBUTES.replace(/\n/g, '\\n')}' > .gitattributes`),
      ]),
      turn('coder', [submit(FOOTER_PLAN)]),
      turn('coder', [finish()]),
      APPROVE,
    ]);
    expect(
      world().markers(),
      `${diag}\npublished: ${JSON.stringify(world().published(ticket)?.files)}`,
    ).toEqual({});
  }, 180_000);
});
