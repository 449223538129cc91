/**
 * The Postgres server the tests use (trust auth on 127.0.0.1:5432, database `test`, or
 * LOOPWRIGHT_TEST_PG). Each test makes and drops its own database from this admin connection.
 */
import pg from 'pg';

export const ADMIN_URL = process.env.LOOPWRIGHT_TEST_PG ?? 'postgres://root@127.0.0.1:5432/test';

export async function pgReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

/**
 * Whether Postgres tests run: wherever a server answers, and always under CI, where `npm run setup`
 * starts the server, so a missing one fails the tests instead of skipping them unseen.
 */
export async function runPostgresTests(): Promise<boolean> {
  return (await pgReachable()) || Boolean(process.env.CI);
}

export async function adminQuery(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** The URL of another database on the same server. */
export const databaseUrl = (name: string): string => ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
