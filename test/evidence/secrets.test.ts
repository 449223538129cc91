import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBrowsers } from '../../src/browser/launch.ts';
import { runPlan } from '../../src/browser/runner.ts';
import { prove } from '../../src/evidence/proof.ts';
import { readZip } from '../../src/evidence/zip.ts';
import { page, serve, type FixtureServer } from '../browser/fixtures.ts';

// A token shape the redactor knows, and a value it can only know from the environment.
const FAKE_TOKEN = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
const ENV_SECRET = 'plain-looking-value-7319-zq';
const ENV_NAME = 'LOOPWRIGHT_TEST_SERVICE_TOKEN';

let oldApp: FixtureServer;
let newApp: FixtureServer;
let home: string;

const leak = { __TOKEN__: FAKE_TOKEN, __ENV_SECRET__: ENV_SECRET };

beforeAll(async () => {
  process.env[ENV_NAME] = ENV_SECRET;
  oldApp = await serve({ '/settings': page('secret.html', leak).replace(/<button[\s\S]*?<\/button>/, '') });
  newApp = await serve({ '/settings': page('secret.html', leak) });
  home = mkdtempSync(path.join(os.tmpdir(), 'lw-secrets-'));
});

afterAll(async () => {
  delete process.env[ENV_NAME];
  await closeBrowsers();
  await oldApp?.close();
  await newApp?.close();
  rmSync(home, { recursive: true, force: true });
});

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

/** Every byte of every evidence file, with zip entries (the trace) inflated. */
function contents(file: string): string[] {
  const buf = readFileSync(file);
  if (file.endsWith('.zip')) return (readZip(buf) ?? []).map((e) => e.data.toString('utf8'));
  return [buf.toString('utf8')];
}

const plan = {
  title: 'Saving shows a confirmation',
  steps: [
    { action: 'goto', url: '/settings' },
    { action: 'expect_text', target: { css: '#token' }, text: FAKE_TOKEN },
    { action: 'click', target: { role: 'button', name: 'Save' } },
    { action: 'expect_text', target: { css: '#state' }, text: 'Saved' },
  ],
};

describe('evidence carries no secrets', () => {
  it('the raw trace does hold the page text (so redaction has work to do)', async () => {
    const dir = path.join(home, 'raw');
    const run = await runPlan(plan as never, {
      appUrl: newApp.url,
      label: 'head-1',
      stepsDir: path.join(dir, 'steps'),
      tracePath: path.join(dir, 'trace.zip'),
    });
    expect(run.verdict).toBe('passed');
    const text = contents(path.join(dir, 'trace.zip')).join('\n');
    expect(text).toContain(FAKE_TOKEN);
    expect(text).toContain(ENV_SECRET);
  });

  it('no evidence file holds the planted token or the env secret', async () => {
    const dir = path.join(home, 'evidence', 't-secret');
    const result = await prove({
      plan,
      ticketId: 't-secret',
      evidenceDir: dir,
      baseUrl: oldApp.url,
      headUrl: newApp.url,
      routes: ['/settings'],
      stepTimeoutMs: 1_500,
      stepDelayMs: 50,
    });
    expect(result.outcome).toBe('proven');
    const all = files(dir);
    expect(all.some((f) => f.endsWith('trace.zip'))).toBe(true);
    expect(all.some((f) => f.endsWith('manifest.json'))).toBe(true);
    for (const file of all) {
      for (const text of contents(file)) {
        expect(text.includes(FAKE_TOKEN), `${file} holds the token`).toBe(false);
        expect(text.includes(ENV_SECRET), `${file} holds the env secret`).toBe(false);
      }
    }
    // The redacted trace is still a readable zip with the trace's entries.
    const entries = readZip(readFileSync(path.join(dir, 'trace.zip'))) ?? [];
    expect(entries.some((e) => e.name.endsWith('.trace'))).toBe(true);
    expect(readFileSync(path.join(dir, 'manifest.json'), 'utf8')).toContain('[redacted]');
    expect(result.playwrightTest).not.toContain(FAKE_TOKEN);
  });
});
