/**
 * The sandbox's Chromium, driven by Playwright exactly as the browser component does: it reaches
 * the app on the sandbox loopback and nothing else (not Loopwright's port, not outside addresses).
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { chromium, type Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxProvider } from '../../src/sandbox/index.ts';
import type { LocalSandbox } from '../../src/sandbox/sandbox.ts';
import type { Sandbox, SandboxProvider } from '../../src/sandbox/types.ts';
import { isolationSkipReason, makeWorld, testConfig } from './helpers.ts';

const skip = isolationSkipReason();

describe.skipIf(skip)('sandbox browser launcher', () => {
  const world = makeWorld();
  let provider: SandboxProvider;
  let sb: Sandbox;
  let browser: Browser;
  let web: Server;
  let webPort = 0;

  beforeAll(async () => {
    web = createServer((_req, res) => res.end('loopwright web'));
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    webPort = (web.address() as { port: number }).port;
    provider = createSandboxProvider({ config: testConfig(world.home), repoUrl: world.repo });
    sb = await provider.acquire({ ticketId: 'B1', branch: 'loopwright/B1-x' });
    browser = await chromium.launch({
      executablePath: sb.browser.executablePath,
      args: sb.browser.args,
      env: sb.browser.env,
    });
  });
  afterAll(async () => {
    await browser?.close();
    await provider?.close();
    web?.close();
    world.cleanup();
  });

  it('opens the app at sandbox.app.url', async () => {
    const page = await browser.newPage();
    await page.goto(sb.app.url);
    expect(await page.locator('h1').textContent()).toBe('Hello, sandbox!');
    await page.close();
  });

  it("cannot open Loopwright's own port on 127.0.0.1 (a different loopback)", async () => {
    const page = await browser.newPage();
    await expect(page.goto(`http://127.0.0.1:${webPort}/`, { timeout: 10_000 })).rejects.toThrow(/ERR_CONNECTION_REFUSED/);
    await page.close();
  });

  it('cannot open outside addresses or names', async () => {
    const page = await browser.newPage();
    await expect(page.goto('http://1.1.1.1/', { timeout: 10_000 })).rejects.toThrow(/net::ERR_/);
    await expect(page.goto('https://example.com/', { timeout: 10_000 })).rejects.toThrow(/net::ERR_/);
    await page.close();
  });

  it('runs Chromium inside the sandbox cgroup (bounded by its limits, killed at teardown)', () => {
    const cgroup = (sb as LocalSandbox).runner.cgroup;
    expect(cgroup).toBeDefined();
    const cmdlines = cgroup!.pids().map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        return '';
      }
    });
    expect(cmdlines.some((c) => c.includes('chromium'))).toBe(true);
    expect(cmdlines.some((c) => c.includes('src/server.js'))).toBe(true);
  });
});
