/**
 * A hidden check's room mounts the dependencies from the cache but never installs them (a room
 * has no route to a registry). Before the first check on a repository, the cache is filled the way
 * a ticket fills it: one sandbox of the base branch is built (its install runs isolated, through
 * the allowlisting proxy) and torn down again.
 */
import type { Config } from '../config/schema.ts';
import type { Logger } from '../core/log.ts';
import { pendingInstall } from '../sandbox/mount-deps.ts';
import { createSandboxProvider } from '../sandbox/index.ts';
import { openCleanRoom } from '../sandbox/sandbox.ts';
import type { EvalRepo } from './repo.ts';

export async function warmDeps(config: Config, repo: EvalRepo, base: string, log?: Logger): Promise<void> {
  const source = { gitDir: repo.gitDir, settings: repo.settings, isolated: config.sandbox !== 'none' };
  const probe = await openCleanRoom(config, source, repo.baseCommit, 'deps-probe', { deps: false, log });
  const pending = pendingInstall(config.home, probe.dir, repo.settings);
  await probe.close();
  if (!pending) return;
  log?.info({ repo: repo.gitDir }, 'installing the dependencies of the base once for the hidden checks');
  const provider = createSandboxProvider({
    config: { ...config, baseBranch: base, poolSize: 0 },
    repoUrl: repo.gitDir,
    log,
  });
  try {
    const sandbox = await provider.acquire({ ticketId: 'eval-deps', branch: 'loopwright/eval-deps' });
    await sandbox.teardown();
  } finally {
    await provider.close();
  }
}
