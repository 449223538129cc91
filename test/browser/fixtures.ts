/** A tiny HTTP server for fixture pages, one per app version, on 127.0.0.1 and a free port. */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export const PAGES_DIR = path.join(import.meta.dirname, '..', 'fixtures', 'pages');

export function page(name: string, replace: Record<string, string> = {}): string {
  let html = readFileSync(path.join(PAGES_DIR, name), 'utf8');
  for (const [from, to] of Object.entries(replace)) html = html.split(from).join(to);
  return html;
}

export type Route = string | ((hits: number) => string | { status: number; body: string });

export interface FixtureServer {
  url: string;
  /** How many times each path was requested. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

/** Serves `routes` (path → HTML or a function of the hit count); anything else is a 404. */
export async function serve(routes: Record<string, Route>): Promise<FixtureServer> {
  const hits = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    const n = (hits.get(pathname) ?? 0) + 1;
    hits.set(pathname, n);
    const route = routes[pathname];
    if (route === undefined) {
      res
        .writeHead(404, { 'content-type': 'text/html' })
        .end('<!doctype html><title>Not found</title><h1>Not found</h1>');
      return;
    }
    const out = typeof route === 'string' ? route : route(n);
    const { status, body } = typeof out === 'string' ? { status: 200, body: out } : out;
    res
      .writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
      .end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
