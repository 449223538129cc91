/**
 * One queue per mirror directory for git operations that change its worktree list or refs. Adding
 * a worktree while another sandbox's teardown prunes can make git find `worktrees/` gone under it,
 * so every such operation in this process, from any sandbox or the provider, goes through here.
 */
const queues = new Map<string, Promise<unknown>>();

export function serialOn<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = queues.get(key) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  const settled = next.catch(() => undefined);
  queues.set(key, settled);
  // Forget idle keys so the map does not grow with every mirror ever used.
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return next;
}
