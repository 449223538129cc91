/**
 * The real SQL ticket store on embedded PGlite in a temp home. Opened without the job queue: the
 * web tests drive ticket state themselves, as a worker would.
 */
import { openDb } from '../../../src/tickets/db.ts';
import { migrate } from '../../../src/tickets/migrations.ts';
import { createTicketStore } from '../../../src/tickets/store.ts';
import type { TicketStore } from '../../../src/tickets/types.ts';
import { dbTemplateEnv } from '../../helpers/db-template.ts';

export async function openRealStore(home: string): Promise<TicketStore> {
  const db = await openDb({
    home,
    databaseUrl: undefined,
    dbTemplate: dbTemplateEnv().LOOPWRIGHT_DB_TEMPLATE,
  });
  await migrate(db);
  const store = createTicketStore(db, { defaultTarget: 'datadesk' });
  const close = store.close.bind(store);
  // Closing the store also closes its database, so a test needs one call.
  return Object.assign(store, {
    async close() {
      await close();
      await db.close();
    },
  });
}
