/**
 * A worker process that publishes one ticket, for the kill-between-push-and-PR test. Input is one
 * JSON argument: { config, worktree, branch, ticketId }. The parent kills it mid-publish.
 */
import { createGitHubForge } from '../../../src/forge/github.ts';
import { memoryLogger, testConfig, testTicket } from './setup.ts';

const input = JSON.parse(process.argv[2] ?? '{}') as {
  config: Record<string, unknown>;
  worktree: string;
  branch: string;
  ticketId: string;
};
const forge = createGitHubForge({ config: testConfig(input.config), log: memoryLogger().log });
await forge.publish({
  ticket: testTicket(input.ticketId),
  worktree: input.worktree,
  branch: input.branch,
  baseBranch: 'main',
  title: 'Make the button blue',
  body: 'body',
  draft: false,
});
console.log('published');
