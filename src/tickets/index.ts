/**
 * Opens the tickets layer for a process: the database (migrated), the queue and the store.
 * Every entry point (start, worker, submit, run, demo) goes through here.
 */
import type { Config } from '../config/schema.ts';
import { openDb, type Db } from './db.ts';
import { migrate } from './migrations.ts';
import { createTicketQueue, type QueueOptions, type TicketQueue } from './queue.ts';
import { createTicketStore, type SqlTicketStore } from './store.ts';

export interface Tickets {
  db: Db;
  store: SqlTicketStore;
  queue: TicketQueue;
  close(): Promise<void>;
}

export async function openTickets(
  config: Pick<Config, 'home' | 'databaseUrl' | 'maxAttempts' | 'target'> & { leaseSeconds?: number },
  queueOptions: QueueOptions = {},
): Promise<Tickets> {
  const db = await openDb(config);
  try {
    await migrate(db);
    const queue = await createTicketQueue(db, {
      retryLimit: config.maxAttempts - 1,
      leaseSeconds: config.leaseSeconds,
      ...queueOptions,
    });
    const store = createTicketStore(db, { queue, defaultTarget: config.target });
    return {
      db,
      store,
      queue,
      async close() {
        await store.close();
        await queue.stop().catch(() => {});
        await db.close();
      },
    };
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
}

export type { Db } from './db.ts';
export type { TicketQueue, QueueJob } from './queue.ts';
export type { SqlTicketStore } from './store.ts';
