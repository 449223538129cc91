/** Shared set-up of the GitHub tests: config, a logger whose output is kept for grepping, a ticket. */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { configSchema, type Config } from '../../../src/config/schema.ts';
import type { Logger } from '../../../src/core/log.ts';
import { emptyUsage, type Ticket } from '../../../src/core/ticket.ts';

export function memoryLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

export function testConfig(over: Record<string, unknown>): Config {
  return configSchema.parse({ githubRepo: 'acme/app', ...over });
}

export function testTicket(id: string, over: Partial<Ticket> = {}): Ticket {
  const now = new Date().toISOString();
  return {
    id,
    status: 'running',
    stage: 'publishing',
    target: 'datadesk',
    request: { text: 'make the button blue', source: 'cli', requester: 'ana' },
    usage: emptyUsage(),
    timings: {},
    attempts: 1,
    result: { title: 'Make the button blue', summary: 'The primary button is now blue.' },
    createdAt: now,
    updatedAt: now,
    ...over,
  };
}
