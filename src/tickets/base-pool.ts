/**
 * Warm base apps for the proof's base run. A base app is a clean room on the base commit (a
 * checkout no agent command can reach) with its app started, its routes visited once so the dev
 * server has compiled them, and its Chromium up. One is started as soon as a ticket begins, beside
 * the coding, instead of when the proof needs it; a worker can also keep a spare per base commit
 * and target ready before the next ticket arrives.
 *
 * Every ticket gets a base app of its own (taken, never shared): an app with server-side state
 * changed by one ticket's base run would otherwise decide another ticket's base verdict. What is
 * shared per base commit is what cannot differ: the before-screenshots of the routes, cached on
 * disk under the home and copied into each ticket's evidence.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { launchBrowser } from '../browser/launch.ts';
import { resolveAppUrl } from '../browser/origin.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../core/log.ts';
import { screenshotRoutes, type RouteShot } from '../evidence/routes.ts';
import { openCleanRoom } from '../sandbox/sandbox.ts';
import type { AppHandle, Room, Sandbox } from '../sandbox/types.ts';

/** A base app of one ticket's own. */
export interface WarmBase {
  room: Room;
  app: AppHandle;
  /** Copies the before-screenshots (taken once per base commit and settings) into `outDir`. */
  before(outDir: string): Promise<RouteShot[]>;
  close(): Promise<void>;
}

type Source = Pick<Sandbox, 'gitDir' | 'baseCommit' | 'settings' | 'isolated'>;

export interface BasePoolOptions {
  config: Config;
  /** Warm base apps kept ready per base commit after one is taken (a worker: 1; a one-shot run: 0). */
  spares?: number;
  log?: Logger;
}

export class BasePool {
  private readonly opts: BasePoolOptions;
  private readonly spares = new Map<string, Promise<WarmBase>[]>();
  private closed = false;

  constructor(opts: BasePoolOptions) {
    this.opts = opts;
  }

  /** A warm base app for this sandbox's base commit, the caller's to close. */
  take(source: Source): Promise<WarmBase> {
    const key = keyOf(source);
    const ready = this.spares.get(key)?.shift();
    for (let n = this.spares.get(key)?.length ?? 0; n < (this.opts.spares ?? 0) && !this.closed; n++) {
      const spare = this.start(source);
      spare.catch((error: unknown) => {
        this.drop(key, spare);
        this.opts.log?.warn({ err: error }, 'warming a base app failed');
      });
      this.spares.set(key, [...(this.spares.get(key) ?? []), spare]);
    }
    return ready ?? this.start(source);
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.spares.values()].flat();
    this.spares.clear();
    await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.close()));
  }

  private drop(key: string, spare: Promise<WarmBase>): void {
    const list = this.spares.get(key)?.filter((p) => p !== spare) ?? [];
    this.spares.set(key, list);
  }

  private async start(source: Source): Promise<WarmBase> {
    const { config, log } = this.opts;
    const room = await openCleanRoom(config, source, source.baseCommit, 'base', { log });
    try {
      const app = await room.startApp();
      const cacheDir = path.join(config.home, 'cache', 'before', keyOf(source));
      const shots = warmRoutes(room, app, source.settings, cacheDir);
      // A failed warm-up is not fatal: the proof's own run visits the pages and says what failed.
      const shotsOrNone = shots.catch((error: unknown) => {
        log?.warn({ err: error }, 'warming the base app routes failed');
        return undefined;
      });
      await shotsOrNone;
      return {
        room,
        app,
        before: async (outDir) => {
          const cached = await shotsOrNone;
          if (cached) return copyShots(cached, outDir);
          const opts = {
            launcher: room.browser,
            allowHosts: source.settings.network,
            settleMs: source.settings.settleMs,
          };
          return screenshotRoutes(app.url, source.settings.routes, outDir, opts);
        },
        close: () => room.close(),
      };
    } catch (error) {
      await room.close().catch(() => undefined);
      throw error;
    }
  }
}

/** Base commit, git dir and the settings the app runs by: what makes two base apps the same. */
function keyOf(source: Source): string {
  return createHash('sha256')
    .update(JSON.stringify([source.gitDir, source.baseCommit, source.settings]))
    .digest('hex')
    .slice(0, 24);
}

const SHOTS = 'shots.json';

/**
 * Visits every route once (the dev server compiles it, the room's Chromium starts). The first
 * base app of a commit takes the before-screenshots on that visit and caches them; later ones only
 * visit.
 */
async function warmRoutes(
  room: Room,
  app: AppHandle,
  settings: Sandbox['settings'],
  cacheDir: string,
): Promise<RouteShot[]> {
  const cached = readCached(cacheDir);
  const opts = { launcher: room.browser, allowHosts: settings.network, settleMs: settings.settleMs };
  if (cached) {
    await visit(app.url, settings.routes, opts);
    return cached;
  }
  const tmp = `${cacheDir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  const shots = await screenshotRoutes(app.url, settings.routes, tmp, opts);
  // Only a complete set is cached: a route that failed or stayed blank is tried again by the next base app.
  if (shots.some((s) => s.error || s.blank)) return shots;
  const rel = shots.map((s) => ({ ...s, path: path.basename(s.path) }));
  mkdirSync(tmp, { recursive: true });
  writeFileSync(path.join(tmp, SHOTS), JSON.stringify(rel));
  mkdirSync(path.dirname(cacheDir), { recursive: true });
  try {
    renameSync(tmp, cacheDir);
  } catch {
    // Another process cached the same commit first: its shots are as good.
    rmSync(tmp, { recursive: true, force: true });
  }
  return readCached(cacheDir) ?? shots;
}

function readCached(cacheDir: string): RouteShot[] | undefined {
  const file = path.join(cacheDir, SHOTS);
  if (!existsSync(file)) return undefined;
  const shots = JSON.parse(readFileSync(file, 'utf8')) as RouteShot[];
  return shots.map((s) => ({ ...s, path: path.join(cacheDir, s.path) }));
}

/** Loads each route in a fresh context of the room's Chromium, without screenshots. */
async function visit(
  appUrl: string,
  routes: readonly string[],
  opts: { launcher: Room['browser']; allowHosts: string[] },
): Promise<void> {
  if (routes.length === 0) return;
  const browser = await launchBrowser(opts.launcher);
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    for (const route of routes) {
      const target = resolveAppUrl(route, appUrl, opts.allowHosts);
      if (target.ok)
        await page.goto(target.url, { waitUntil: 'load', timeout: 30_000 }).catch(() => undefined);
    }
  } finally {
    await context.close().catch(() => undefined);
  }
}

/** The shots copied into `outDir`, with paths pointing there. */
function copyShots(shots: RouteShot[], outDir: string): RouteShot[] {
  mkdirSync(outDir, { recursive: true });
  return shots.map((s) => {
    const dest = path.join(outDir, path.basename(s.path));
    if (!s.error && existsSync(s.path)) cpSync(s.path, dest);
    return { ...s, path: dest };
  });
}
