import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runChecks, runDoctor } from '../../src/cli/doctor.ts';
import { loadConfig } from '../../src/config/load.ts';

const home = () => mkdtempSync(path.join(os.tmpdir(), 'lw-doctor-'));
const configWith = (env: Record<string, string>) =>
  loadConfig({ env: { LOOPWRIGHT_HOME: home(), ...env }, file: undefined, cwd: os.tmpdir() });

describe('doctor', () => {
  it('passes on a set-up machine and reports absent integrations as off, not errors', async () => {
    const lines: string[] = [];
    const code = await runDoctor({ config: configWith({}), print: (l) => lines.push(l) });
    expect(lines.join('\n')).toMatch(/chromium\s+ok/);
    expect(code).toBe(0);
    for (const name of ['model', 'slack', 'github', 'evidence'])
      expect(lines.find((l) => l.includes(` ${name} `))).toMatch(/ off /);
    // One line per check: node, chromium, ffmpeg, git, bwrap, database, proof, one per target (the
    // bundled Datadesk here), model, slack, github, evidence.
    expect(lines.filter((l) => /^[✓!✗–] /.test(l))).toHaveLength(12);
    expect(lines.join('\n')).toMatch(
      /target datadesk ok\s+the bundled Datadesk on main; \.loopwright\.yml valid/,
    );
    expect(lines.join('\n')).toMatch(/proof\s+ok\s+Chromium started inside bwrap and recorded a test video/);
  });

  it('fails with the fix when a required piece is missing', async () => {
    const lines: string[] = [];
    const code = await runDoctor({
      config: configWith({ LOOPWRIGHT_CHROMIUM: '/nonexistent/chromium' }),
      print: (l) => lines.push(l),
    });
    expect(code).toBe(1);
    const out = lines.join('\n');
    expect(out).toMatch(/✗ chromium\s+fail\s+Chromium not found at \/nonexistent\/chromium/);
    expect(out).toMatch(/fix: apt-get install -y chromium/);
    // The end-to-end line a worker's start-up check shows too, with the fix.
    expect(out).toMatch(/✗ proof\s+fail\s+a worker here cannot record a proof: Chromium not found/);
    expect(out).toMatch(/fix: fix LOOPWRIGHT_CHROMIUM/);
  });

  it('checks every target: its repo answers and its .loopwright.yml names a start command', async () => {
    const dir = home();
    const app = path.join(dir, 'app');
    mkdirSync(app);
    writeFileSync(path.join(app, '.loopwright.yml'), 'install: npm ci\n');
    const file = path.join(dir, 'loopwright.config.json');
    writeFileSync(
      file,
      JSON.stringify({
        targets: { app: { repo: app }, gone: { repo: path.join(dir, 'gone') } },
      }),
    );
    const results = await runChecks(loadConfig({ env: { LOOPWRIGHT_HOME: dir, LOOPWRIGHT_CONFIG: file } }));
    expect(results.find((r) => r.name === 'target app')).toMatchObject({
      verdict: 'fail',
      detail: expect.stringContaining('has no start command'),
      fix: expect.stringContaining('add `start: <command>`'),
    });
    expect(results.find((r) => r.name === 'target gone')).toMatchObject({
      verdict: 'fail',
      detail: expect.stringContaining('targets.gone.repo: cannot reach'),
    });
  });

  it('reports an unreachable database as a failure naming the URL without its password', async () => {
    const results = await runChecks(
      configWith({ DATABASE_URL: 'postgres://lw:hunter2secret@127.0.0.1:1/none' }),
    );
    const db = results.find((r) => r.name === 'database')!;
    expect(db.verdict).toBe('fail');
    expect(db.detail).toContain('lw:***@127.0.0.1:1');
    expect(db.detail).not.toContain('hunter2secret');
  });

  it('names the evidence bucket when one is configured', async () => {
    const results = await runChecks(
      configWith({
        LOOPWRIGHT_EVIDENCE_S3_BUCKET: 'team-evidence',
        LOOPWRIGHT_EVIDENCE_S3_ENDPOINT: 'http://127.0.0.1:9000',
      }),
    );
    expect(results.find((r) => r.name === 'evidence')).toMatchObject({
      verdict: 'ok',
      detail: expect.stringMatching(/^bucket team-evidence at http:\/\/127\.0\.0\.1:9000; presigned links/),
    });
  });

  it('probes a configured model endpoint', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization}`);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ object: 'list', data: [] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    try {
      const results = await runChecks(
        configWith({ OPENAI_BASE_URL: base, OPENAI_API_KEY: 'sk-test-doctor-key-0000000000' }),
      );
      expect(results.find((r) => r.name === 'model')).toMatchObject({ verdict: 'ok' });
      expect(seen).toEqual(['/v1/models Bearer sk-test-doctor-key-0000000000']);
    } finally {
      server.close();
    }
  });
});
