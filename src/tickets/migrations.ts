/**
 * The schema, as numbered migrations applied once each and recorded in `loopwright_migrations`.
 * Append new entries; never edit an applied one. The same SQL runs on PGlite and Postgres.
 */
import type { Db } from './db.ts';

export const MIGRATIONS: { id: number; name: string; sql: string }[] = [
  {
    id: 1,
    name: 'tickets, timeline, pull requests',
    sql: `
      CREATE TABLE tickets (
        id text PRIMARY KEY,
        status text NOT NULL,
        stage text NOT NULL,
        target text NOT NULL,
        source_key text,
        priority integer NOT NULL DEFAULT 100,
        job_id text,
        attempts integer NOT NULL DEFAULT 0,
        scripted boolean,
        request jsonb NOT NULL,
        pr jsonb,
        evidence jsonb,
        review jsonb,
        result jsonb,
        usage jsonb NOT NULL,
        timings jsonb NOT NULL,
        error jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX tickets_source_key ON tickets (source_key);
      CREATE INDEX tickets_status_id ON tickets (status, id);
      CREATE INDEX tickets_queued ON tickets (priority, id) WHERE status = 'queued';

      CREATE TABLE ticket_events (
        seq bigserial PRIMARY KEY,
        ticket_id text NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
        type text NOT NULL,
        event jsonb NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, seq);

      CREATE TABLE pull_requests (
        number serial PRIMARY KEY,
        repo text NOT NULL,
        branch text NOT NULL,
        base text NOT NULL,
        title text NOT NULL,
        body text NOT NULL,
        draft boolean NOT NULL DEFAULT false,
        state text NOT NULL DEFAULT 'open',
        ticket_id text,
        head_sha text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX pull_requests_open_branch ON pull_requests (repo, branch) WHERE state = 'open';
    `,
  },
  {
    id: 2,
    name: 'attempt fencing token and publish record',
    sql: `
      ALTER TABLE tickets ADD COLUMN run integer NOT NULL DEFAULT 0;
      ALTER TABLE tickets ADD COLUMN published jsonb;
      UPDATE tickets SET run = attempts;
    `,
  },
  {
    id: 3,
    name: 'one verdict per reviewer per round',
    sql: `ALTER TABLE tickets ADD COLUMN reviews jsonb;`,
  },
  {
    id: 4,
    name: 'worker health',
    sql: `
      CREATE TABLE workers (
        id text PRIMARY KEY,
        host text NOT NULL,
        pid integer NOT NULL,
        ready boolean NOT NULL,
        problem jsonb,
        running jsonb NOT NULL DEFAULT '[]',
        started_at timestamptz NOT NULL DEFAULT now(),
        last_seen timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    id: 5,
    name: 'the base commit a ticket ran on',
    sql: `ALTER TABLE tickets ADD COLUMN base_commit text;`,
  },
];

/** Applies pending migrations under an advisory lock, so concurrent processes migrate once. */
export async function migrate(db: Db): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(727001)');
    await tx.exec(`CREATE TABLE IF NOT EXISTS loopwright_migrations (
      id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await tx.query<{ id: number }>('SELECT id FROM loopwright_migrations');
    const done = new Set(rows.map((r) => Number(r.id)));
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.id)) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO loopwright_migrations (id, name) VALUES ($1, $2)', [m.id, m.name]);
      applied.push(m.id);
    }
    return applied;
  });
}
