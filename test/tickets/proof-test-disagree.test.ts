/**
 * The plan runner and @playwright/test can disagree, and then publishing must believe the test.
 *
 * The app renders its button at once but wires the button's click only after a config request the
 * server answers late (as a server-rendered page is inert until its scripts hydrate it). The runner
 * lets the page settle before every step's screenshot, so its click lands on a wired button: the
 * plan fails on the base (no button) and passes twice on the change. The generated spec, run by
 * the real @playwright/test in the proof-test room, clicks as soon as `load` fired, on the inert
 * button, and its expectation times out. That test would be flaky in the repository's CI, so
 * publishing leaves it out and the PR says why.
 *
 * The repository depends on @playwright/test; its dependency cache entry is seeded with the
 * packages Datadesk installed (as after an earlier ticket's `npm ci`), since the sandbox has no
 * registry to install from.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { depsDir, depsKey, WRITABLE_CACHE_DIRS } from '../../src/sandbox/deps.ts';
import { DATADESK, datadeskUnavailable } from '../helpers/datadesk.ts';
import {
  APP_FILES,
  APPROVE,
  finish,
  openWorld,
  skipReason,
  submit,
  turn,
  type SecurityWorld,
} from '../security/helpers.ts';

const INSTALL = 'npm ci --no-audit --no-fund';

const LATE = [
  "const http = require('node:http');",
  "const fs = require('node:fs');",
  "const path = require('node:path');",
  '',
  "const page = () => fs.readFileSync(path.join(__dirname, '..', 'public', 'index.html'), 'utf8');",
  '',
  'http',
  '  .createServer((req, res) => {',
  "    if (req.url === '/health') return res.end('ok');",
  '    // The config the page waits for before it wires its controls: slow, like a cold API.',
  "    if (req.url === '/config') return setTimeout(() => res.end('{}'), 2500);",
  "    res.setHeader('content-type', 'text/html');",
  '    res.end(page());',
  '  })',
  "  .listen(Number(process.env.PORT || 3000), '127.0.0.1');",
  '',
].join('\n');

const FILES: Record<string, string> = {
  ...APP_FILES,
  'package.json': JSON.stringify(
    {
      name: 'shop',
      private: true,
      scripts: { start: 'node src/server.js' },
      devDependencies: { '@playwright/test': '1.65.1' },
    },
    null,
    2,
  ),
  '.loopwright.yml': `install: ${INSTALL}\n${APP_FILES['.loopwright.yml']}proofTests: e2e\n`,
  'src/server.js': LATE,
};

/** The change: a button that says the shop is ready, wired once the config arrived. */
const BUTTON_EDIT: [string, unknown] = [
  'edit_file',
  {
    path: 'public/index.html',
    old_string: '<h1>Welcome to the shop</h1>\n',
    new_string: [
      '<h1>Welcome to the shop</h1>',
      '<button id="status">Show status</button>',
      '<p id="out"></p>',
      '<script>',
      "addEventListener('load', async () => {",
      "  await fetch('/config');",
      "  document.getElementById('status').onclick = () => {",
      "    document.getElementById('out').textContent = 'Ready to ship';",
      '  };',
      '});',
      '</script>',
      '',
    ].join('\n'),
  },
];

const PLAN = {
  title: 'The status button says the shop is ready',
  steps: [
    { action: 'goto', url: '/' },
    { action: 'click', target: { role: 'button', name: 'Show status' } },
    { action: 'expect_visible', target: { text: 'Ready to ship' } },
  ],
};

const SPEC = 'e2e/the-status-button-says-the-shop-is-ready.spec.ts';

/** Seeds the dependency cache for the repository's install with @playwright/test and its two packages. */
function seedDeps(home: string, repo: string): void {
  const key = depsKey(repo, INSTALL)!;
  const modules = depsDir(home, key);
  for (const pkg of ['@playwright/test', 'playwright', 'playwright-core']) {
    mkdirSync(path.dirname(path.join(modules, pkg)), { recursive: true });
    cpSync(path.join(DATADESK, 'node_modules', pkg), path.join(modules, pkg), { recursive: true });
  }
  for (const d of WRITABLE_CACHE_DIRS) mkdirSync(path.join(modules, d), { recursive: true });
  writeFileSync(path.join(path.dirname(modules), '.complete'), new Date().toISOString());
}

describe.skipIf(skipReason ?? datadeskUnavailable())(
  'a proof the runner passes and @playwright/test fails',
  () => {
    let world: SecurityWorld;
    beforeAll(async () => {
      world = await openWorld({}, FILES);
      seedDeps(world.home, path.join(world.root, 'repo'));
    }, 120_000);
    afterAll(() => world?.close());

    it('is proven, but publishing leaves the failing spec out and the PR says why', async () => {
      const { ticket, events, diag } = await world.runTicket([
        turn('coder', [BUTTON_EDIT]),
        turn('coder', [submit(PLAN)]),
        turn('coder', [finish('Add the status button')]),
        APPROVE,
      ]);
      expect(ticket.status, diag).toBe('pr_opened');
      // The runner's verdict: fails on base, passes twice on the change.
      const proofs = events.flatMap((e) => (e.type === 'proof' ? [e.outcome] : []));
      expect(proofs, diag).toEqual(['proven']);
      expect(ticket.evidence?.proof).toEqual({ base: 'failed', head: ['passed', 'passed'] });

      // @playwright/test's verdict, in the room: the click hit the inert button.
      const published = world.published(ticket)!;
      expect(published.files.filter((f) => f.startsWith('e2e/'))).toEqual([]);
      expect(published.read('public/index.html')).toContain('Show status');
      const pr = await world.rt.localForge!.getPullRequest(ticket.pr!.number);
      expect(pr?.body).toContain(`The proof was not added as \`${SPEC}\``);
      expect(pr?.body).toContain('failed under @playwright/test against the change');
      expect(pr?.body).toContain("toBeVisible() failed at `await expect(page.getByText('Ready to ship'))");
      expect(pr?.body).toContain('lets the page settle before each step');
      expect(pr?.body).not.toContain('does not depend on @playwright/test');
    }, 300_000);
  },
);
