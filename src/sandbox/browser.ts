/**
 * The Chromium of a sandbox. Isolated: a launcher script that starts Chromium inside the sandbox's
 * network namespace and bwrap (read-only system, private /tmp for its profile, no worktree), so the
 * page reaches the app on 127.0.0.1 and nothing else. Playwright drives it over the inherited
 * `--remote-debugging-pipe` file descriptors, which nsenter and bwrap pass through.
 */
import { chmodSync, existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { standardChromiumArgs } from './chromium-args.ts';
import type { BrowserLauncher } from './types.ts';
import { shq, type Mount } from './isolation.ts';
import type { SandboxRunner } from './runner.ts';

/** Flags Chromium needs here: root without its own sandbox (bwrap is the sandbox), no background traffic. */
export const CHROMIUM_ARGS = standardChromiumArgs({ root: true });

export function resolveChromiumPath(configured?: string): string {
  for (const p of [configured, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) {
    if (p && existsSync(p)) return p;
  }
  return configured ?? '/usr/bin/chromium';
}

/** A Chromium outside /usr (Playwright's download) needs its own directory visible, read-only. */
export function chromiumMounts(chromium: string): Mount[] {
  const real = existsSync(chromium) ? realpathSync(chromium) : chromium;
  return real.startsWith('/usr/') ? [] : [{ src: path.dirname(real), dest: path.dirname(real), mode: 'ro' }];
}

export function writeBrowserLauncher(opts: {
  runner: SandboxRunner;
  scratchDir: string;
  chromiumPath?: string;
}): BrowserLauncher {
  const chromium = resolveChromiumPath(opts.chromiumPath);
  if (!opts.runner.isolated) return { executablePath: chromium, args: [...CHROMIUM_ARGS] };
  const profileTmp = path.join(opts.scratchDir, 'browser-tmp');
  mkdirSync(profileTmp, { recursive: true });
  const cmd = opts.runner.command([chromium], { cwd: '/tmp', onlyMounts: chromiumMounts(chromium), tmpDir: profileTmp });
  const script = `#!/bin/sh\n# Chromium inside the Loopwright sandbox ${path.basename(opts.scratchDir)}\nexec ${[cmd.file, ...cmd.args].map(shq).join(' ')} "$@"\n`;
  const executablePath = path.join(opts.scratchDir, 'chromium.sh');
  writeFileSync(executablePath, script);
  chmodSync(executablePath, 0o755);
  return { executablePath, args: [...CHROMIUM_ARGS], env: {} };
}
