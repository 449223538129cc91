// Regenerates the pictures in docs/screenshots: each Datadesk page, taken in the system Chromium
// from the app's own dev server. The queue and ticket pages come from the web tests
// (LOOPWRIGHT_SCREENSHOTS=1 npx vitest run test/web), which this script runs too.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright';
import { resolveChromium } from '../src/browser/chromium.ts';

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'docs', 'screenshots');
mkdirSync(out, { recursive: true });

const port = await new Promise<number>((resolve) => {
  const srv = createServer().listen(0, '127.0.0.1', () => {
    const p = (srv.address() as { port: number }).port;
    srv.close(() => resolve(p));
  });
});
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

const web = spawnSync('npx', ['vitest', 'run', 'test/web'], {
  cwd: root,
  env: { ...process.env, LOOPWRIGHT_SCREENSHOTS: '1' },
  stdio: 'inherit',
});
process.exitCode = web.status ?? 1;
