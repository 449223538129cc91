/**
 * A worker process that publishes one ticket, for the kill-between-push-and-PR test. Input is one
 * JSON argument: { config, change, attempt, branch, ticketId }. The parent kills it mid-publish.
 */
import { createGitHubForge } from '../../../src/forge/github.ts';
import type { PublishChange } from '../../../src/forge/types.ts';
import { memoryLogger, testConfig, testTicket } from './setup.ts';

const input = JSON.parse(process.argv[2] ?? '{}') as {
  config: Record<string, unknown>;
  change: PublishChange;
  attempt: number;
  branch: string;
  ticketId: string;
};
const forge = createGitHubForge({ config: testConfig(input.config), log: memoryLogger().log });
await forge.publish({
  ticket: testTicket(input.ticketId),
  change: input.change,
  attempt: input.attempt,
  branch: input.branch,
  baseBranch: 'main',
  title: 'Make the button blue',
  body: 'body',
  draft: false,
});
console.log('published');
