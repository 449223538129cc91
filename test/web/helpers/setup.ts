/** Shared set-up for web tests: a temp home, a config and a server on a random port. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configSchema, type Config } from '../../../src/config/schema.ts';
import type { TicketStore } from '../../../src/tickets/types.ts';
import { startWebServer, type WebDeps, type WebServer } from '../../../src/web/server.ts';
import { MemoryTicketStore } from '../../helpers/memory-store.ts';

export function tempHome(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lw-web-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function testConfig(home: string, overrides: Partial<Record<keyof Config, unknown>> = {}): Config {
  return configSchema.parse({ home, port: 0, ...overrides });
}

export interface Harness {
  server: WebServer;
  store: TicketStore;
  home: string;
  config: Config;
  close(): Promise<void>;
}

/** Starts a server over `store` (an in-memory one by default) in a fresh temp home. */
export async function startHarness(
  opts: {
    store?: TicketStore;
    /** The store outlives this server (shared by several tests); close() leaves it open. */
    keepStore?: boolean;
    config?: Partial<Record<keyof Config, unknown>>;
  } & Partial<Omit<WebDeps, 'config' | 'store'>> = {},
): Promise<Harness> {
  const home = tempHome();
  const store = opts.store ?? new MemoryTicketStore();
  const config = testConfig(home.dir, opts.config);
  const { store: _s, config: _c, keepStore, ...rest } = opts;
  const server = await startWebServer({ ...rest, config, store });
  return {
    server,
    store,
    home: home.dir,
    config,
    async close() {
      await server.close();
      if (!keepStore) await store.close();
      home.cleanup();
    },
  };
}
