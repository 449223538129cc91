/**
 * Ports for the apps of sandboxes and rooms. An app port is never one the kernel may hand out as
 * the source port of an outgoing connection (the ephemeral range): the app's readiness probe
 * connects to the port again and again before the app listens, and when the kernel picks that very
 * port as the probe's source, the connection meets itself (TCP's simultaneous open), succeeds and
 * holds the port, so the app fails with "Address already in use". With a few hundred probes per
 * slow start that happened about once per suite run.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Below this, ports are left to well-known services; 19999 is the allowlisting proxy's. */
const FLOOR = 20_000;
const TOP = 65_535;

/** The kernel's ephemeral port range (Linux's default when it cannot be read). */
export function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high)) return [low!, high!];
  } catch {
    /* not Linux */
  }
  return [32_768, 60_999];
}

/** The even ports from FLOOR up that lie outside the ephemeral range, as [first, count] spans. */
function spans(): [number, number][] {
  const [low, high] = ephemeralRange();
  const out: [number, number][] = [];
  const add = (from: number, to: number) => {
    const first = from % 2 ? from + 1 : from;
    if (to >= first) out.push([first, Math.floor((to - first) / 2) + 1]);
  };
  add(FLOOR, Math.min(low - 1, TOP));
  add(Math.max(FLOOR, high + 1), TOP);
  return out.length ? out : [[FLOOR, 1]];
}

/** A random even port outside the ephemeral range. */
function randomAppPort(): number {
  const all = spans();
  const total = all.reduce((n, [, count]) => n + count, 0);
  let i = randomBytes(4).readUInt32BE(0) % total;
  for (const [first, count] of all) {
    if (i < count) return first + i * 2;
    i -= count;
  }
  return FLOOR;
}

/** A port for an app in a network namespace of its own: nothing else listens there. */
export const namespacePort = (): number => randomAppPort();

/** A port the host is not using now (apps without isolation share the host's network). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = randomAppPort();
    if (await bindable(port)) return port;
  }
  throw new Error('no free port outside the ephemeral range after 50 tries');
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** The port an app gets: a random one in its own namespace, a free one on the host otherwise. */
export const appPort = (isolated: boolean): Promise<number> =>
  isolated ? Promise.resolve(namespacePort()) : freePort();
