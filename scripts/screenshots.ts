// Regenerates the pictures in docs/: each Datadesk page, taken in the system Chromium from the
// app's own dev server; the queue and ticket pages from the web tests (LOOPWRIGHT_SCREENSHOTS=1
// npx vitest run test/web); and with --demo, the demo ticket's page, its PR and its proof GIF
// (runs `loopwright demo` in a temporary home, ~2 minutes).
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { createServer } from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright';
import { resolveChromium } from '../src/browser/chromium.ts';

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'docs', 'screenshots');
mkdirSync(out, { recursive: true });

const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
  });
async function waitFor(url: string, what: string): Promise<void> {
  for (let i = 0; ; i++) {
    if (
      (await fetch(url)
        .then((r) => r.ok)
        .catch(() => false)) === true
    )
      return;
    if (i > 300) throw new Error(`${what} did not answer within 30 s (did \`npm run setup\` run?)`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const port = await freePort();
const app = spawn('npm', ['run', 'dev'], {
  cwd: path.join(root, 'sandbox', 'datadesk'),
  env: { ...process.env, PORT: String(port) },
  stdio: 'ignore',
  detached: true,
});
const url = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; ; i++) {
    if (
      (await fetch(url)
        .then((r) => r.ok)
        .catch(() => false)) === true
    )
      break;
    if (i > 300) throw new Error('Datadesk did not start within 30 s (did `npm run setup` run?)');
    await new Promise((r) => setTimeout(r, 100));
  }
  const { executablePath, args } = resolveChromium();
  const browser = await chromium.launch({ executablePath, args });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const pages: [string, string][] = [
    ['datadesk-revenue', '/dashboards/revenue'],
    ['datadesk-orders', '/dashboards/orders'],
    ['datadesk-notebooks', '/notebooks'],
  ];
  for (const [name, route] of pages) {
    await page.goto(url + route);
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(800); // chart animations settle
    await page.screenshot({ path: path.join(out, `${name}.png`) });
    console.log(`wrote docs/screenshots/${name}.png`);
  }
  await page.goto(url + '/notebooks');
  await page.locator('main a[href^="/notebooks/"]').first().click();
  await page.waitForTimeout(800);
  await page.screenshot({ path: path.join(out, 'datadesk-notebook.png') });
  console.log('wrote docs/screenshots/datadesk-notebook.png');
  await browser.close();
} finally {
  process.kill(-app.pid!, 'SIGTERM');
}

if (process.argv.includes('--demo')) await demoPictures();

async function demoPictures(): Promise<void> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'lw-shots-'));
  const env = { ...process.env, LOOPWRIGHT_HOME: home, LOOPWRIGHT_PORT: String(await freePort()) };
  const cli = path.join(root, 'src', 'cli', 'main.ts');
  const demo = spawnSync(process.execPath, [cli, 'demo'], { cwd: root, env, stdio: 'inherit' });
  if (demo.status !== 0) throw new Error('the demo did not reach a PR; see its output above');
  const server = spawn(process.execPath, [cli, 'start', '--no-worker'], { cwd: root, env, stdio: 'ignore' });
  const base = `http://127.0.0.1:${env.LOOPWRIGHT_PORT}`;
  try {
    await waitFor(`${base}/healthz`, 'loopwright start');
    const id = readdirSync(path.join(home, 'evidence'))[0]!;
    const { executablePath, args } = resolveChromium();
    const browser = await chromium.launch({ executablePath, args });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${base}/tickets/${id}`);
    await page.evaluate(() => window.scrollTo(0, 600));
    await page.waitForTimeout(1500);
    await page.screenshot({ path: path.join(out, 'demo-ticket.png') });
    await page.goto(`${base}/prs/1`);
    await page.waitForTimeout(1500);
    await page.screenshot({ path: path.join(out, 'demo-pr.png') });
    await browser.close();
    copyFileSync(path.join(home, 'evidence', id, 'head.gif'), path.join(root, 'docs', 'demo.gif'));
    console.log('wrote docs/screenshots/demo-ticket.png, demo-pr.png and docs/demo.gif');
  } finally {
    server.kill('SIGTERM');
  }
}

const web = spawnSync('npx', ['vitest', 'run', 'test/web'], {
  cwd: root,
  env: { ...process.env, LOOPWRIGHT_SCREENSHOTS: '1' },
  stdio: 'inherit',
});
process.exitCode = web.status ?? 1;
