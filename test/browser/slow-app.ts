/**
 * A fixture app that renders the way real single-page apps do, not at once: the shell loads a
 * route module by dynamic import after a delay, the route fetches its data after mount from a slow
 * endpoint, and an event stream and a websocket (as a dev server's hot-reload channel) stay open
 * for as long as the page lives. `/never` never settles
 * (its DOM changes all the time and one request never answers); `/empty` renders nothing.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface SlowAppOptions {
  /** Before the shell imports the route module (ms). */
  importDelayMs?: number;
  /** How long the route module takes to be served (ms). */
  moduleDelayMs?: number;
  /** How long the data endpoint takes to answer (ms). */
  dataDelayMs?: number;
}

export interface SlowApp {
  url: string;
  /** Paths the browser asked for, in order. */
  requests: string[];
  close(): Promise<void>;
}

const shell = (title: string, script: string) => `<!doctype html>
<html><head><meta charset="utf-8"><title>${title}</title>
<style>body{font-family:sans-serif;margin:0;background:#fff} header{background:#1e3a8a;color:#fff;padding:16px}</style>
</head><body><div id="root"></div><script type="module">${script}</script></body></html>`;

const main = (importDelayMs: number) => `
new EventSource('/events');
new WebSocket('ws://' + location.host + '/hmr');
setTimeout(() => import('/route-reports.js').then((m) => m.mount(document.getElementById('root'))), ${importDelayMs});
`;

const routeModule = `
export function mount(root) {
  root.innerHTML = '<header><h1>Reports</h1></header><main><p role="status">Loading reports…</p></main>';
  fetch('/api/reports').then((r) => r.json()).then((rows) => {
    const main = root.querySelector('main');
    main.innerHTML = '<table aria-label="Regions"><thead><tr><th>Region</th><th>Revenue</th></tr></thead><tbody>' +
      rows.map((r) => '<tr><td>' + r.region + '</td><td>' + r.revenue + '</td></tr>').join('') +
      '</tbody></table><button type="button">Export</button>';
  });
}
`;

const never = `
const root = document.getElementById('root');
root.innerHTML = '<h1>Live ticker</h1><p id="t"></p>';
setInterval(() => { document.getElementById('t').textContent = String(performance.now()); }, 20);
fetch('/api/hang');
`;

const REPORT_ROWS = [
  { region: 'north', revenue: 1200 },
  { region: 'south', revenue: 900 },
];

/** Starts the app on 127.0.0.1 and a free port. */
export async function startSlowApp(opts: SlowAppOptions = {}): Promise<SlowApp> {
  const requests: string[] = [];
  const streams = new Set<http.ServerResponse>();
  const later = (ms: number, fn: () => void) => setTimeout(fn, ms);
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(pathname);
    const send = (type: string, body: string) =>
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    switch (pathname) {
      case '/':
      case '/reports':
        return send('text/html; charset=utf-8', shell('Reports', main(opts.importDelayMs ?? 500)));
      case '/route-reports.js':
        return later(opts.moduleDelayMs ?? 300, () => send('text/javascript', routeModule));
      case '/api/reports':
        return later(opts.dataDelayMs ?? 800, () => send('application/json', JSON.stringify(REPORT_ROWS)));
      case '/events':
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
        res.write(': open\n\n');
        streams.add(res);
        return;
      case '/never':
        return send('text/html; charset=utf-8', shell('Never settles', never));
      case '/api/hang':
        return; // never answered
      case '/empty':
        return send('text/html; charset=utf-8', '<!doctype html><title>Empty</title><body></body>');
      default:
        res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not found</h1>');
    }
  });
  const sockets = new WebSocketServer({ noServer: true });
  const open = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    requests.push(new URL(req.url ?? '/', 'http://x').pathname);
    sockets.handleUpgrade(req, socket, head, (ws) => open.add(ws));
  });
  // Neither channel ever goes idle: a ping every 200 ms, as a live feed or a dev server would.
  const ping = setInterval(() => {
    for (const s of streams) s.write('data: ping\n\n');
    for (const ws of open) ws.send('{"type":"ping"}');
  }, 200);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(ping);
        for (const ws of open) ws.terminate();
        sockets.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
