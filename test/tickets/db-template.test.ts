/** A fresh home seeded from a database template (LOOPWRIGHT_DB_TEMPLATE) instead of initdb. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/tickets/db.ts';

const template = process.env.LOOPWRIGHT_DB_TEMPLATE;
const root = mkdtempSync(path.join(os.tmpdir(), 'lw-dbt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.skipIf(!template)('a database template', () => {
  it('seeds a new home with the migrated schema, and leaves the template as it was', async () => {
    const db = await openDb({ home: path.join(root, 'a'), dbTemplate: template });
    try {
      await db.query(`INSERT INTO tickets (id, status, stage, target, request, usage, timings)
        VALUES ('t-1', 'queued', 'queued', 'datadesk', '{}', '{}', '{}')`);
      expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM tickets')).rows[0]!.n).toBe(1);
    } finally {
      await db.close();
    }
    const again = await openDb({ home: path.join(root, 'b'), dbTemplate: template });
    try {
      expect((await again.query<{ n: number }>('SELECT count(*)::int AS n FROM tickets')).rows[0]!.n).toBe(0);
    } finally {
      await again.close();
    }
  });

  it('says what is wrong with a template that holds no database', async () => {
    await expect(openDb({ home: path.join(root, 'c'), dbTemplate: root })).rejects.toThrow(
      /LOOPWRIGHT_DB_TEMPLATE .* holds no database/,
    );
  });
});
