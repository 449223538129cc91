/**
 * Hosts listed under `network` in .loopwright.yml are reachable through the worker's allowlisting
 * proxy; everything else (other ports of the same host, loopback, unlisted hosts) stays closed.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxProvider } from '../../src/sandbox/index.ts';
import type { Sandbox, SandboxProvider } from '../../src/sandbox/types.ts';
import { commitFile, isolationSkipReason, makeWorld, testConfig } from './helpers.ts';

const skip = isolationSkipReason();
const hostIp = Object.values(os.networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

async function serve(body: string): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => res.end(body));
  await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
  return { server, port: (server.address() as { port: number }).port };
}

describe.skipIf(skip || !hostIp)('network allowlist (.loopwright.yml `network`)', () => {
  const world = makeWorld();
  let provider: SandboxProvider;
  let sb: Sandbox;
  let listed: { server: Server; port: number };
  let unlisted: { server: Server; port: number };
  const viaProxy = (url: string) => sb.exec(`curl -s --max-time 5 -w ' %{http_code}' --noproxy '' -x "$HTTP_PROXY" '${url}'`);

  beforeAll(async () => {
    listed = await serve('listed api');
    unlisted = await serve('unlisted api');
    const yml = readFileSync(path.join(world.repo, '.loopwright.yml'), 'utf8');
    commitFile(world.repo, '.loopwright.yml', `${yml}network: ["${hostIp}:${listed.port}", "127.0.0.1:${listed.port}"]\n`);
    provider = createSandboxProvider({ config: testConfig(world.home), repoUrl: world.repo });
    sb = await provider.acquire({ ticketId: 'N1', branch: 'loopwright/N1-x' });
  });
  afterAll(async () => {
    await provider?.close();
    listed?.server.close();
    unlisted?.server.close();
    world.cleanup();
  });

  it('reaches a listed host through the proxy named in HTTP_PROXY', async () => {
    expect((await sb.exec('echo $HTTP_PROXY')).output.trim()).toBe('http://127.0.0.1:19999');
    expect((await viaProxy(`http://${hostIp}:${listed.port}/`)).output).toBe('listed api 200');
  });

  it('refuses an unlisted port of the same host (403 from the proxy)', async () => {
    expect((await viaProxy(`http://${hostIp}:${unlisted.port}/`)).output).toMatch(/403$/);
  });

  it('refuses loopback even when listed (the worker’s own services)', async () => {
    expect((await viaProxy(`http://127.0.0.1:${listed.port}/`)).output).toMatch(/403$/);
  });

  it('still has no direct route: without the proxy the listed host is unreachable', async () => {
    const direct = await sb.exec(`curl -s --max-time 3 -o /dev/null -w '%{http_code}' --noproxy '*' http://${hostIp}:${listed.port}/`);
    expect(direct.output.trim()).toBe('000');
  });
});
