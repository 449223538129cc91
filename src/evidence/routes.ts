/**
 * Before/after screenshots of the target's configured routes (`.loopwright.yml` `routes`): the
 * same pages on the old and the new app, for reviewers who want to see the change at a glance.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { launchBrowser } from '../browser/launch.ts';
import { isAllowedUrl, resolveAppUrl } from '../browser/origin.ts';
import { trackRequests } from '../browser/settle.ts';
import { settledScreenshot } from '../browser/shot.ts';
import type { BrowserLauncher } from '../sandbox/types.ts';

export interface RouteShot {
  route: string;
  /** Absolute path of the PNG. */
  path: string;
  status?: number;
  error?: string;
  /** Still a single colour after settling: flagged, never shown as evidence. */
  blank?: true;
}

/** `/dashboards/revenue` → `dashboards-revenue`, `/` → `home`. */
export function routeSlug(route: string): string {
  return (
    route
      .replace(/[?#].*$/, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'home'
  );
}

/** Screenshots each route of `appUrl` into `outDir` (full page); a failing route is reported, not thrown. */
export async function screenshotRoutes(
  appUrl: string,
  routes: readonly string[],
  outDir: string,
  opts: { launcher?: BrowserLauncher; allowHosts?: string[]; timeoutMs?: number; settleMs?: number } = {},
): Promise<RouteShot[]> {
  if (routes.length === 0) return [];
  mkdirSync(outDir, { recursive: true });
  const browser = await launchBrowser(opts.launcher);
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  await context.route(
    (url) => !isAllowedUrl(url, appUrl, opts.allowHosts),
    (route) => route.abort('blockedbyclient'),
  );
  trackRequests(context);
  const shots: RouteShot[] = [];
  try {
    const page = await context.newPage();
    const used = new Set<string>();
    for (const route of routes) {
      let name = routeSlug(route);
      while (used.has(name)) name += '-';
      used.add(name);
      const file = path.join(outDir, `${name}.png`);
      const target = resolveAppUrl(route, appUrl, opts.allowHosts);
      if (!target.ok) {
        shots.push({ route, path: file, error: target.reason });
        continue;
      }
      try {
        const res = await page.goto(target.url, { waitUntil: 'load', timeout: opts.timeoutMs ?? 15_000 });
        const shot = await settledScreenshot(page, file, { fullPage: true, timeoutMs: opts.settleMs });
        shots.push({
          route,
          path: file,
          ...(res ? { status: res.status() } : {}),
          ...(shot.blank ? { blank: true } : {}),
        });
      } catch (error) {
        shots.push({ route, path: file, error: (error as Error).message.split('\n')[0] });
      }
    }
  } finally {
    await context.close().catch(() => undefined);
  }
  return shots;
}
