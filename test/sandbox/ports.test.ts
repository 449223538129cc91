/**
 * App ports stay out of the range the kernel hands out as source ports of outgoing connections.
 * The app's readiness probe connects to the port again and again before the app listens; when the
 * kernel picks that very port as the probe's source port, the connection meets itself (TCP's
 * simultaneous open), succeeds, and holds the port: the app then fails with "Address already in
 * use". Seen in a CI run on a Flask room; reproduced here on a bare loopback socket.
 */
import { readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { appPort, ephemeralRange, freePort, namespacePort } from '../../src/sandbox/ports.ts';

const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number) as [number, number];
const outside = (port: number) => port < low || port > high;

describe('app ports', () => {
  it('reads the ephemeral range the kernel uses', () => {
    expect(ephemeralRange()).toEqual([low, high]);
  });

  it('a namespace app never gets a port a client could take as its source port', () => {
    const ports = Array.from({ length: 5_000 }, namespacePort);
    expect(ports.filter((p) => !outside(p))).toEqual([]);
    expect(new Set(ports).size).toBeGreaterThan(1_000);
    expect(Math.min(...ports)).toBeGreaterThanOrEqual(20_000);
  });

  it('a host app gets a port outside that range that nothing listens on', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    for (let i = 0; i < 20; i++) {
      const port = await freePort();
      expect(outside(port), String(port)).toBe(true);
      // Free now: a connection is refused.
      const refused = await new Promise<boolean>((resolve) => {
        const c = createConnection({ host: '127.0.0.1', port });
        c.on('connect', () => (c.destroy(), resolve(false)));
        c.on('error', () => resolve(true));
      });
      expect(refused, String(port)).toBe(true);
    }
    taken.close();
    expect(outside(await appPort(true))).toBe(true);
  });
});
