/**
 * Browser smoke test: starts the dev server, opens every page in Chromium and checks the
 * main pieces render. Needs Chromium at $CHROMIUM_PATH (default /usr/bin/chromium).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, chromiumPath, startDevServer, type DevServer } from './devServer';

let server: DevServer;
let browser: Browser;
let page: Page;
let pageErrors: string[];

beforeAll(async () => {
  if (!existsSync(chromiumPath())) throw new Error(`Chromium not found at ${chromiumPath()}; set CHROMIUM_PATH`);
  [server, browser] = await Promise.all([
    startDevServer(),
    chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS }),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

beforeEach(async () => {
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(msg.text());
  });
});

afterEach(async () => {
  await page.close();
  expect(pageErrors).toEqual([]);
});

describe('smoke', () => {
  it('redirects / to the revenue dashboard and renders KPIs and the chart', async () => {
    await page.goto(`${server.url}/`);
    await page.getByRole('heading', { level: 1, name: 'Revenue' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/dashboards/revenue');
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').count()).toBe(3);

    for (const name of ['Total revenue', 'Refunds', 'Net', 'Orders']) {
      await page.getByRole('group', { name, exact: true }).waitFor();
    }
    const chart = page.getByTestId('revenue-chart');
    for (const series of ['series-revenue', 'series-refunds', 'series-net']) {
      await chart.locator(`.${series} path.recharts-line-curve`).first().waitFor();
    }
    await chart.locator('.recharts-legend-item').nth(2).waitFor();

    const total = page.getByRole('group', { name: 'Total revenue' });
    const before = await total.textContent();
    await page.getByLabel('Region').selectOption('North');
    await page.getByLabel('Range').selectOption('3');
    await page.getByRole('status').filter({ hasText: 'Showing 3 months' }).waitFor();
    expect(await total.textContent()).not.toBe(before);
  });

  it('renders the orders dashboard with chart, table and status filter', async () => {
    await page.goto(`${server.url}/dashboards/orders`);
    await page.getByRole('heading', { level: 1, name: 'Orders' }).waitFor();
    await page.getByTestId('orders-chart').locator('.recharts-bar-rectangle').first().waitFor();
    const table = page.getByRole('table', { name: 'Orders' });
    await table.waitFor();
    expect(await table.locator('tbody tr').count()).toBe(50);
    expect(await table.locator('thead th').allTextContents()).toEqual(['ID', 'Date', 'Customer', 'Region', 'Product', 'Status', 'Amount']);

    await page.getByLabel('Status').selectOption('refunded');
    await page.getByRole('status').filter({ hasText: /Showing \d+ of \d+ orders/ }).waitFor();
    const statuses = await table.locator('tbody tr td:nth-child(6)').allTextContents();
    expect(new Set(statuses)).toEqual(new Set(['Refunded']));
  });

  it('lists notebooks and runs a query cell', async () => {
    await page.goto(`${server.url}/notebooks`);
    await page.getByRole('heading', { level: 1, name: 'Notebooks' }).waitFor();
    const list = page.getByRole('list', { name: 'Notebooks' });
    expect(await list.getByRole('link').count()).toBeGreaterThanOrEqual(2);

    await list.getByRole('link', { name: 'Refund watch' }).click();
    await page.getByRole('heading', { level: 1, name: 'Refund watch' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/notebooks/refund-watch');
    await page.getByRole('region', { name: 'Cell 1' }).getByRole('heading', { name: 'Refund watch' }).waitFor();

    const cell = page.getByRole('region', { name: 'Cell 2' });
    await cell.getByRole('button', { name: 'Run cell 2' }).click();
    await cell.getByRole('status').filter({ hasText: /\d+ rows/ }).waitFor();
    expect(await cell.getByRole('table').locator('thead th').allTextContents()).toEqual(['product', 'refunds', 'refunded']);
  });

  it('creates a notebook, adds a query cell, shows errors and a chart', async () => {
    await page.goto(`${server.url}/notebooks`);
    await page.getByRole('button', { name: 'New notebook' }).click();
    await page.getByRole('heading', { level: 1, name: /Untitled notebook/ }).waitFor();
    await page.getByRole('button', { name: 'Add query cell' }).click();

    const cell = page.getByRole('region', { name: 'Cell 2' });
    const editor = cell.getByRole('textbox', { name: 'Query for cell 2' });
    await editor.fill('SELECT region COUNT(*) FROM orders');
    await cell.getByRole('button', { name: 'Run cell 2' }).click();
    await cell.getByRole('alert').filter({ hasText: 'Expected FROM' }).waitFor();

    await editor.fill('SELECT region, COUNT(*) AS n FROM orders GROUP BY region ORDER BY n DESC');
    await cell.getByLabel('Display').selectOption('chart');
    await cell.getByRole('button', { name: 'Run cell 2' }).click();
    await cell.getByTestId('cell-chart').locator('.recharts-bar-rectangle').nth(3).waitFor();

    await cell.getByRole('button', { name: 'Move cell 2 up' }).click();
    await page.getByRole('region', { name: 'Cell 1' }).getByRole('textbox', { name: 'Query for cell 1' }).waitFor();

    // Survives a reload: saved in localStorage.
    await page.reload();
    await page.getByRole('region', { name: 'Cell 1' }).getByRole('textbox', { name: 'Query for cell 1' }).waitFor();
  });
});
