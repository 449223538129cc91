/** The compose deployment (DESIGN.md §6): Postgres, one web server, N workers, one image. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENV_KEYS } from '../../src/config/schema.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<
    string,
    {
      command?: string[];
      environment?: Record<string, string>;
      ports?: string[];
      image?: string;
      build?: unknown;
      deploy?: { replicas?: number };
      container_name?: string;
      volumes?: string[];
    }
  >;
};
const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const hasCompose = (() => {
  try {
    execFileSync('docker-compose', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('docker-compose.yml and Dockerfile', () => {
  it('runs postgres, a web server without workers, and scalable workers on one database', () => {
    const { postgres, web, worker } = compose.services;
    expect(postgres?.image).toMatch(/^postgres:/);
    expect(web?.command).toEqual(['start', '--no-worker']);
    expect(worker?.command).toEqual(['worker']);
    expect(web?.ports).toContain('4700:4700');
    // Scalable: no fixed name or host port on the worker.
    expect(worker?.container_name).toBeUndefined();
    expect(worker?.ports).toBeUndefined();
    expect(worker?.deploy?.replicas).toBeGreaterThanOrEqual(2);
    expect(web?.environment?.DATABASE_URL).toMatch(/@postgres:5432\//);
    expect(worker?.environment?.DATABASE_URL).toBe(web?.environment?.DATABASE_URL);
    // Web and workers share the evidence and forge directory.
    expect(web?.volumes).toContain('data:/data');
    expect(worker?.volumes).toContain('data:/data');
    expect(web?.environment?.LOOPWRIGHT_HOME).toBe('/data');
    // Every variable the services set is one Loopwright reads.
    for (const name of Object.keys(web?.environment ?? {})) expect(ENV_KEYS, name).toHaveProperty(name);
  });

  it('builds the image with the same setup as a fresh clone and runs the CLI', () => {
    expect(dockerfile).toMatch(/^FROM node:24/m);
    expect(dockerfile).toMatch(/^RUN npm run setup/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "src\/cli\/main.ts"\]/m);
    expect(existsSync(path.join(ROOT, 'scripts/setup.sh'))).toBe(true);
    const ignore = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8');
    expect(ignore).toContain('node_modules');
  });

  // `npm run setup` installs docker-compose as root, so CI always runs this; elsewhere it may skip.
  it.skipIf(!hasCompose && !process.env.CI)(
    'passes `docker-compose config`, and refuses to start without a UI token',
    () => {
      const ok = spawnSync('docker-compose', ['config', '-q'], {
        cwd: ROOT,
        env: { ...process.env, LOOPWRIGHT_UI_TOKEN: 'a-long-enough-token' },
        encoding: 'utf8',
      });
      expect(ok.status, ok.stderr).toBe(0);
      const env = { ...process.env };
      delete env.LOOPWRIGHT_UI_TOKEN;
      const missing = spawnSync('docker-compose', ['config', '-q'], { cwd: ROOT, env, encoding: 'utf8' });
      expect(missing.status).not.toBe(0);
      expect(missing.stderr).toContain('LOOPWRIGHT_UI_TOKEN');
    },
  );
});
