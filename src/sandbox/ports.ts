/** Ports for the apps of sandboxes and rooms. */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';

/** A port the host is not using now (apps without isolation share the host's network). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

/**
 * A random even port from 20000 up, for an app in a network namespace of its own: nothing else
 * listens there, and nothing outside can learn it. (19999 is the allowlisting proxy's.)
 */
export const namespacePort = (): number => 20_000 + (randomBytes(2).readUInt16BE(0) % 20_000) * 2;

/** The port an app gets: a random one in its own namespace, a free one on the host otherwise. */
export const appPort = (isolated: boolean): Promise<number> =>
  isolated ? Promise.resolve(namespacePort()) : freePort();
