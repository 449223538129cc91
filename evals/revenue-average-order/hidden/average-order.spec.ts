import { expect, test, type Page } from '@playwright/test';

const BASE_URL = process.env.BASE_URL!;

/** The number in a KPI tile ("$1,234,567" → 1234567). */
async function kpi(page: Page, name: string): Promise<number> {
  const text = await page.getByRole('group', { name, exact: true }).locator('.kpi-value').innerText();
  return Number(text.replace(/[^0-9.]/g, ''));
}

async function expectAverage(page: Page) {
  const total = await kpi(page, 'Total revenue');
  const orders = await kpi(page, 'Orders');
  const average = await kpi(page, 'Average order');
  expect(orders).toBeGreaterThan(0);
  expect(Math.abs(average - total / orders)).toBeLessThanOrEqual(1);
}

test('the Average order tile is revenue per order and follows the filters', async ({ page }) => {
  await page.goto(`${BASE_URL}/dashboards/revenue`);
  await expect(page.getByRole('group', { name: 'Average order', exact: true })).toBeVisible();
  await expectAverage(page);
  await page.getByLabel('Region').selectOption('North');
  await expect(page.getByRole('status')).toContainText('North');
  await expectAverage(page);
  await page.getByLabel('Range').selectOption('3');
  await expectAverage(page);
});
