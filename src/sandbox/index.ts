/**
 * The sandbox component (DESIGN.md §2, §5): a worktree of the target repo, its dependencies from a
 * per-lockfile cache, the app on its own port, and bubblewrap + a network namespace around all of
 * it (the agent's commands, the app and the Chromium that looks at the app).
 */
import type { SandboxProvider } from './types.ts';
import { probeIsolation } from './isolation.ts';
import { isolationUnavailable, LocalSandboxProvider, type SandboxProviderOptions } from './provider.ts';

export type * from './types.ts';
export type { SandboxProviderOptions } from './provider.ts';
export { UNISOLATED_WARNING } from './provider.ts';

export function createSandboxProvider(opts: SandboxProviderOptions): SandboxProvider {
  return new LocalSandboxProvider(opts);
}

/** For `loopwright doctor`: whether bwrap, network namespaces and limits work on this machine. */
export async function checkIsolation(): Promise<{ ok: boolean; detail: string }> {
  const why = isolationUnavailable();
  if (why) return { ok: false, detail: why.describe() };
  return probeIsolation();
}
