/**
 * One initialised and migrated PGlite data dir for the whole test run, copied into every fresh
 * home (`LOOPWRIGHT_DB_TEMPLATE`) instead of running initdb and the migrations again: that costs
 * several CPU seconds a home, and the suite opens dozens of homes. The folder is named after what
 * shapes the database (PGlite's and pg-boss's versions, the migrations, the queue's setup), so a
 * change to any of them builds a new one. Tests of a truly fresh home leave the variable out.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const SHAPING = [
  'node_modules/@electric-sql/pglite/package.json',
  'node_modules/pg-boss/package.json',
  'src/tickets/migrations.ts',
  'src/tickets/queue.ts',
];

/** Where this checkout's template lives (built by `buildDbTemplate`). */
export function dbTemplatePath(): string {
  const hash = createHash('sha256');
  for (const rel of SHAPING) {
    const file = path.join(ROOT, rel);
    hash.update(existsSync(file) ? readFileSync(file) : rel);
  }
  return path.join(
    ROOT,
    'node_modules',
    '.cache',
    'loopwright',
    `db-template-${hash.digest('hex').slice(0, 12)}`,
  );
}

/** Opens the tickets layer once on a scratch home and keeps its closed database as the template. */
export async function buildDbTemplate(target = dbTemplatePath()): Promise<string> {
  if (existsSync(path.join(target, 'PG_VERSION'))) return target;
  const { openTickets } = await import('../../src/tickets/index.ts');
  const home = mkdtempSync(path.join(path.dirname(target), 'building-'));
  try {
    const tickets = await openTickets({ home, databaseUrl: undefined, maxAttempts: 3, target: 'datadesk' });
    await tickets.close();
    if (!existsSync(path.join(target, 'PG_VERSION'))) renameSync(path.join(home, 'db'), target);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  return target;
}

/** The variable for a test's own env object (tests that build configs from a literal env). */
export function dbTemplateEnv(): { LOOPWRIGHT_DB_TEMPLATE?: string } {
  const dir = process.env.LOOPWRIGHT_DB_TEMPLATE;
  return dir ? { LOOPWRIGHT_DB_TEMPLATE: dir } : {};
}
