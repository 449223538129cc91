/** Pure parts of the sandbox: the npm-free app start, the dependency cache key, the bwrap command line. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { directStart } from '../../src/sandbox/app.ts';
import { depsKey } from '../../src/sandbox/deps.ts';
import { bwrapArgs, sandboxEnv } from '../../src/sandbox/isolation.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'lw-units-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('directStart', () => {
  it('runs an npm script without npm when it has no hooks or extra arguments', () => {
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'a', scripts: { dev: 'vite --port $PORT', start: 'node s.js', prebuild: 'x', build: 'y' } }));
    const dev = directStart('npm run dev', dir)!;
    expect(dev.command).toBe('vite --port $PORT');
    expect(dev.env.PATH!.startsWith(path.join(dir, 'node_modules', '.bin'))).toBe(true);
    expect(dev.env.npm_lifecycle_event).toBe('dev');
    expect(directStart('npm start', dir)!.command).toBe('node s.js');
    expect(directStart('npm run build', dir)).toBeUndefined(); // has a pre hook
    expect(directStart('npm run dev -- --host 0.0.0.0', dir)).toBeUndefined(); // extra arguments
    expect(directStart('npm run missing', dir)).toBeUndefined();
    expect(directStart('node server.js', dir)).toBeUndefined();
  });
});

describe('depsKey', () => {
  it('changes with the lockfile and the install command, and is absent without an install', () => {
    writeFileSync(path.join(dir, 'package-lock.json'), '{"lockfileVersion":3}');
    const a = depsKey(dir, 'npm ci');
    expect(a).toMatch(/^[0-9a-f]{24}$/);
    expect(depsKey(dir, 'npm ci')).toBe(a);
    expect(depsKey(dir, 'npm ci --omit=dev')).not.toBe(a);
    writeFileSync(path.join(dir, 'package-lock.json'), '{"lockfileVersion":3 }');
    expect(depsKey(dir, 'npm ci')).not.toBe(a);
    expect(depsKey(dir, undefined)).toBeUndefined();
  });
});

describe('bwrap command line', () => {
  it('isolates by default: new PID namespace, no caps, read-only root, cleared env', () => {
    process.env.GITHUB_TOKEN = 'ghp_units_secret';
    const args = bwrapArgs({ tmpDir: '/x/tmp', mounts: [{ src: '/w', dest: '/w', mode: 'rw' }], env: sandboxEnv({ PORT: '1' }), cwd: '/w' });
    delete process.env.GITHUB_TOKEN;
    for (const flag of ['--unshare-pid', '--die-with-parent', '--new-session', '--clearenv', '--unshare-net']) expect(args).toContain(flag);
    expect(args.join(' ')).toContain('--cap-drop ALL');
    expect(args.join(' ')).toContain('--remount-ro /');
    expect(args.join(' ')).toContain('--bind /x/tmp /tmp');
    expect(args.join(' ')).not.toContain('ghp_units_secret');
    expect(args.join(' ')).not.toMatch(/--(ro-)?bind(-try)? \/root /);
  });
});
