/**
 * A worker process for the crash test: acquires one sandbox, prints what it holds as JSON, then
 * waits to be killed with SIGKILL (so it never tears anything down).
 */
import { configSchema } from '../../src/config/schema.ts';
import { createSandboxProvider } from '../../src/sandbox/index.ts';

const [home, repo] = process.argv.slice(2);
const provider = createSandboxProvider({ config: { ...configSchema.parse({ home, poolSize: 0 }) }, repoUrl: repo! });
const sb = await provider.acquire({ ticketId: 'CRASH', branch: 'loopwright/CRASH-x' });
await sb.exec('(setsid sleep 876543 &); echo ok');
process.stdout.write(`${JSON.stringify({ id: sb.id, worktree: sb.worktree, pid: process.pid })}\n`);
setInterval(() => undefined, 1000);
