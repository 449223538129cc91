/** Once per test run, before any test file: the database template every fresh home copies. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { buildDbTemplate, dbTemplatePath } from './helpers/db-template.ts';

export default async function setup(): Promise<void> {
  const target = dbTemplatePath();
  mkdirSync(path.dirname(target), { recursive: true });
  await buildDbTemplate(target);
}
