/**
 * The only way out of a sandbox's network namespace: an HTTP proxy in the worker that allows the
 * hosts `.loopwright.yml` lists under `network` (and, for the dependency install, the package
 * registry), reached from inside through a forwarder on the sandbox's loopback. The proxy listens
 * on a Unix socket (a file, not an address), so nothing else in the namespace leads anywhere.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import { lookup } from 'node:dns/promises';
import { connect } from 'node:net';
import type { Cgroup } from './isolation.ts';

/** Whether `host:port` is allowed by a list of `host` (any port) or `host:port` entries. */
export function hostAllowed(allow: readonly string[], host: string, port: number): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return allow.some((entry) => {
    const e = entry.toLowerCase().trim();
    return e === h || e === `${h}:${port}`;
  });
}

/** The registry host the install needs, from npm's configuration in the worker's environment. */
export function registryHosts(env: NodeJS.ProcessEnv = process.env): string[] {
  const url = env.npm_config_registry ?? env.NPM_CONFIG_REGISTRY ?? 'https://registry.npmjs.org/';
  try {
    return [new URL(url).host];
  } catch {
    return ['registry.npmjs.org'];
  }
}

/**
 * Loopback, link-local (cloud metadata) and unspecified addresses stay unreachable even when
 * listed: they are the worker's own services, not the outside world a repo may name.
 */
export function forbiddenAddress(ip: string): boolean {
  const v4 = ip.replace(/^::ffff:/, '');
  return /^(127\.|169\.254\.|0\.)/.test(v4) || ip === '::1' || ip === '::' || /^fe80:/i.test(ip);
}

/** Resolves and checks a destination; the address to connect to, or undefined when refused. */
async function resolveAllowed(allow: readonly string[], host: string, port: number): Promise<string | undefined> {
  if (!hostAllowed(allow, host, port)) return undefined;
  try {
    const { address } = await lookup(host.replace(/^\[|\]$/g, ''));
    return forbiddenAddress(address) ? undefined : address;
  } catch {
    return undefined;
  }
}

export interface AllowProxy {
  /** Changes what is allowed (install time vs. run time). */
  allow: string[];
  close(): Promise<void>;
}

export function startAllowProxy(socketPath: string, allow: string[]): Promise<AllowProxy> {
  const state = { allow };
  const server: Server = createServer(async (req, res) => {
    // Plain HTTP through the proxy: an absolute URL in the request line.
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('absolute URL expected\n');
      return;
    }
    const port = Number(target.port || 80);
    const address = target.protocol === 'http:' ? await resolveAllowed(state.allow, target.hostname, port) : undefined;
    if (!address) {
      res.writeHead(403).end(`${target.host} is not in this sandbox's network allowlist (.loopwright.yml \`network\`)\n`);
      return;
    }
    const upstream = request(
      { host: address, port, path: target.pathname + target.search, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connect', async (req, socket, head) => {
    const [host = '', portText = '443'] = (req.url ?? '').split(/:(?=\d+$)/);
    const port = Number(portText);
    const address = await resolveAllowed(state.allow, host, port);
    if (!address) {
      socket.end(`HTTP/1.1 403 Forbidden\r\n\r\n${host}:${port} is not in this sandbox's network allowlist\n`);
      return;
    }
    const upstream = connect({ host: address, port }, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    socket.on('error', () => upstream.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () =>
      resolve({
        get allow() {
          return state.allow;
        },
        set allow(v: string[]) {
          state.allow = v;
        },
        close: () => new Promise<void>((r) => server.close(() => r())),
      }),
    );
  });
}

/** Listens on the sandbox loopback and passes every connection to the proxy's Unix socket. */
const FORWARDER = `
const net = require('node:net');
const [port, socketPath] = process.argv.slice(1);
net.createServer((c) => {
  const u = net.connect(socketPath);
  c.pipe(u); u.pipe(c);
  c.on('error', () => u.destroy()); u.on('error', () => c.destroy());
}).listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\\n'));
`;

/** Starts the forwarder inside the namespace (and the sandbox cgroup, so teardown and sweep end it). */
export function startForwarder(netns: string, port: number, socketPath: string, cgroup?: Cgroup): Promise<ChildProcess> {
  const join = (cgroup?.procFiles ?? []).map((f) => `echo $$ > '${f}';`).join(' ');
  const child = spawn(
    '/bin/sh',
    ['-c', `${join} exec /usr/bin/nsenter --net=${netns} "$0" -e "$1" "$2" "$3"`, process.execPath, FORWARDER, String(port), socketPath],
    { stdio: ['ignore', 'pipe', 'ignore'], detached: true, env: { PATH: '/usr/bin:/bin' } },
  );
  return new Promise((resolve, reject) => {
    child.stdout?.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`proxy forwarder exited with ${code}`)));
    child.once('error', reject);
  });
}
