/**
 * The database behind the store and the queue: embedded PGlite under `$LOOPWRIGHT_HOME/db` by
 * default, a Postgres server when DATABASE_URL is set. Both run the same SQL through this small
 * interface, and pg-boss runs on either through `executeSql`.
 */
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.ts';
import { CodedError, ErrorCode } from '../core/errors.ts';

export interface QueryResult<T> {
  rows: T[];
  affectedRows?: number;
}

/** What a transaction body gets: the same queries, bound to one connection. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
  /** Runs SQL that may hold several statements and has no parameters. */
  exec(sql: string): Promise<void>;
  /** The pg-boss `db` adapter shape (DESIGN.md §3). */
  executeSql(sql: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Listens on a NOTIFY channel (cross-process change fan-out). Returns an unlisten function.
   * On PGlite there is one process per data dir, so in-process fan-out is enough and this is a no-op.
   */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export async function openDb(config: Pick<Config, 'home' | 'databaseUrl' | 'dbTemplate'>): Promise<Db> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl);
  return openPglite(path.join(config.home, 'db'), config.dbTemplate);
}

/**
 * A new data dir starts as a copy of `template` (a data dir some earlier process initialised and
 * closed) when one is given and holds a database; otherwise PGlite initialises it.
 */
function seedFromTemplate(dir: string, template: string | undefined): void {
  if (!template || existsSync(path.join(dir, 'PG_VERSION'))) return;
  if (!existsSync(path.join(template, 'PG_VERSION'))) {
    throw new CodedError(ErrorCode.ConfigInvalid, `LOOPWRIGHT_DB_TEMPLATE ${template} holds no database`, {
      hint: 'point it at the db folder of a closed Loopwright home, or unset it',
    });
  }
  cpSync(template, dir, { recursive: true });
}

/** Parameterless SQL may hold several statements (pg-boss's migrations): PGlite `exec`; else `query`. */
function pgliteQueryable(pg: {
  query: (sql: string, params?: unknown[]) => Promise<{ rows: unknown[]; affectedRows?: number }>;
  exec: (sql: string) => Promise<{ rows: unknown[] }[]>;
}): Queryable {
  return {
    query: async <T>(sql: string, params?: unknown[]) =>
      (await pg.query(sql, params ?? [])) as QueryResult<T>,
    exec: async (sql) => {
      await pg.exec(sql);
    },
    executeSql: async (sql, values) => {
      if (!values || values.length === 0) {
        const results = await pg.exec(sql);
        return { rows: results.at(-1)?.rows ?? [] };
      }
      return pg.query(sql, values);
    },
  };
}

export async function openPglite(dir: string, template?: string): Promise<Db> {
  mkdirSync(dir, { recursive: true });
  seedFromTemplate(dir, template);
  const { PGlite } = await import('@electric-sql/pglite');
  let pg;
  try {
    pg = await PGlite.create(dir);
  } catch (error) {
    throw new CodedError(
      ErrorCode.Internal,
      `cannot open the embedded database at ${dir}: ${String(error)}`,
      {
        cause: error,
        hint: 'only one process can open an embedded database; stop the other one, or set DATABASE_URL to share a Postgres server',
      },
    );
  }
  const base = pgliteQueryable(pg);
  return {
    kind: 'pglite',
    ...base,
    transaction: (fn) => pg.transaction((tx) => fn(pgliteQueryable(tx as never))),
    listen: async () => async () => {},
    close: () => pg.close(),
  };
}

export async function openPostgres(url: string): Promise<Db> {
  const { default: pgModule } = await import('pg');
  const pool = new pgModule.Pool({ connectionString: url, max: 10 });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  try {
    (await pool.connect()).release();
  } catch (error) {
    await pool.end().catch(() => {});
    throw new CodedError(ErrorCode.Internal, `cannot connect to DATABASE_URL: ${(error as Error).message}`, {
      cause: error,
      hint: 'check that Postgres is running and DATABASE_URL is right (postgres://user:pass@host:5432/db)',
    });
  }
  const on = (client: { query: (sql: string, params?: unknown[]) => Promise<unknown> }): Queryable => ({
    query: async <T>(sql: string, params?: unknown[]) => {
      const r = (await client.query(sql, params)) as { rows: T[]; rowCount: number | null };
      return { rows: r.rows, affectedRows: r.rowCount ?? undefined };
    },
    exec: async (sql) => {
      await client.query(sql);
    },
    executeSql: async (sql, values) => (await client.query(sql, values)) as { rows: unknown[] },
  });
  return {
    kind: 'postgres',
    ...on(pool),
    transaction: async (fn) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const out = await fn(on(client));
        await client.query('COMMIT');
        return out;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    listen: async (channel, onPayload) => {
      const client = await pool.connect();
      const handler = (msg: { channel: string; payload?: string }) => {
        if (msg.channel === channel) onPayload(msg.payload ?? '');
      };
      client.on('notification', handler);
      await client.query(`LISTEN ${channel}`);
      return async () => {
        client.off('notification', handler);
        await client.query(`UNLISTEN ${channel}`).catch(() => {});
        client.release();
      };
    },
    close: () => pool.end(),
  };
}
