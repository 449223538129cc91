/**
 * The container path without a Docker daemon: the image scripts/podman-image.sh builds with podman
 * runs `loopwright doctor` and one scripted ticket end to end, inside the container (privileged,
 * because bwrap needs to make namespaces there as it does on the host). Skipped where podman or
 * the image is missing: building it takes minutes and needs the base image pulled or imported.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { Ticket } from '../../src/core/ticket.ts';

const IMAGE = process.env.LOOPWRIGHT_TEST_IMAGE ?? 'localhost/loopwright';
const run = promisify(execFile);
const conf = path.join(mkdtempSync(path.join(os.tmpdir(), 'lw-podman-')), 'containers.conf');
writeFileSync(conf, '[containers]\ndefault_ulimits = []\n');
const env = { ...process.env, CONTAINERS_CONF: conf };

function imageHere(): boolean {
  try {
    execFileSync('podman', ['image', 'exists', IMAGE], { env, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** `loopwright <args>` in a fresh container of the image, with the project's Node 24. */
const inContainer = (args: string[], vars: Record<string, string> = {}) =>
  run(
    'podman',
    [
      ...['--runtime', 'runc', 'run', '--rm', '--ulimit', 'host', '--network', 'host', '--privileged'],
      ...Object.entries(vars).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
      ...['--entrypoint', '/app/node_modules/.bin/node', IMAGE, 'src/cli/main.ts', ...args],
    ],
    { env, timeout: 540_000, maxBuffer: 32 << 20 },
  ).catch((error: { stdout?: string; stderr?: string; code?: number }) => ({
    stdout: error.stdout ?? '',
    stderr: `${error.stderr ?? ''} (exit ${error.code})`,
  }));

describe.skipIf(!imageHere())('the image, run by podman without a daemon', () => {
  afterAll(() => rmSync(path.dirname(conf), { recursive: true, force: true }));

  it(
    'passes doctor: Chromium records a proof inside bwrap inside the container',
    { timeout: 300_000 },
    async () => {
      const out = await inContainer(['doctor']);
      expect(out.stdout, out.stderr).toMatch(/proof\s+ok\s+Chromium started inside bwrap/);
      expect(out.stdout).not.toMatch(/required check\(s\) failed/);
    },
  );

  it('runs one scripted ticket to a pull request', { timeout: 600_000 }, async () => {
    const out = await inContainer(['run', 'Show Saved on the page', '--json'], {
      LOOPWRIGHT_HOME: '/tmp/lw',
      LOOPWRIGHT_REPO: '/app/test/cli/fixtures/tiny-app',
      LOOPWRIGHT_TARGET: 'tiny',
      LOOPWRIGHT_TRAJECTORY: '/app/test/cli/fixtures/tiny-saved.jsonl',
    });
    const last = out.stdout.trim().split('\n').at(-1) ?? '';
    const ticket = JSON.parse(last.startsWith('{') ? last : '{}') as Partial<Ticket>;
    expect(ticket.status, `${out.stdout.slice(-2000)}\n${out.stderr.slice(-2000)}`).toBe('pr_opened');
    expect(ticket.evidence?.proof).toEqual({ base: 'failed', head: ['passed', 'passed'] });
  });
});
