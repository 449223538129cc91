/**
 * Git smart HTTP in front of local bare repositories, the way GitHub serves them: a Node http
 * server that demands `Authorization: Basic base64(x-access-token:<token>)` and hands the request
 * to the real `git http-backend` CGI. Pushes and fetches through it exercise credential handling
 * for real. `/<owner>/<repo>.git/...` maps to `<root>/<owner>/<repo>.git`.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

const BACKEND = '/usr/lib/git-core/git-http-backend';

export interface GitHttpRequest {
  method: string;
  path: string;
  /** Whether the credential was accepted. */
  authorized: boolean;
  /** True when a credential was sent at all. */
  hadCredential: boolean;
}

export interface GitHttpServer {
  /** Base URL; the repo URL is `${url}/<owner>/<repo>.git`. */
  url: string;
  requests: GitHttpRequest[];
  close(): Promise<void>;
}

export async function startGitHttpServer(opts: {
  root: string;
  /** Whether a token may read and push (shared with the fake API, so minted tokens work too). */
  accepts: (token: string) => boolean;
}): Promise<GitHttpServer> {
  const requests: GitHttpRequest[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://git');
    const header = req.headers.authorization ?? '';
    const basic = /^Basic\s+(.+)$/i.exec(header)?.[1];
    const [user, token] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':') : [];
    const authorized = user === 'x-access-token' && token !== undefined && opts.accepts(token);
    requests.push({ method: req.method ?? '', path: u.pathname, authorized, hadCredential: Boolean(header) });
    if (!authorized) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="GitHub"', 'content-type': 'text/plain' });
      res.end('Invalid username or token.\n');
      return;
    }
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      GIT_PROJECT_ROOT: opts.root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: decodeURIComponent(u.pathname),
      QUERY_STRING: u.search.slice(1),
      REQUEST_METHOD: req.method ?? 'GET',
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_USER: 'x-access-token',
      REMOTE_ADDR: '127.0.0.1',
      GATEWAY_INTERFACE: 'CGI/1.1',
    };
    if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
    if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = req.headers['content-encoding'];
    if (req.headers['git-protocol']) env.GIT_PROTOCOL = String(req.headers['git-protocol']);
    const cgi = spawn(BACKEND, [], { env, stdio: ['pipe', 'pipe', 'inherit'] });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const i = line.indexOf(':');
        const name = line.slice(0, i).trim().toLowerCase();
        const value = line.slice(i + 1).trim();
        if (name === 'status') status = Number(value.split(' ')[0]);
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(end + 4));
    });
    cgi.on('close', () => {
      if (!headersDone) res.writeHead(500);
      res.end();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
