import { expect, test } from '@playwright/test';

const BASE_URL = process.env.BASE_URL!;

test('the Rows dropdown sets how many recent orders the table shows', async ({ page }) => {
  await page.goto(`${BASE_URL}/dashboards/orders`);
  const rows = page.getByTestId('orders-table').locator('tbody tr');
  await expect(rows).toHaveCount(50);
  const select = page.getByLabel('Rows');
  const option = async (n: string) =>
    select.locator('option').filter({ hasText: new RegExp(`^\\s*${n}\\b`) }).first().getAttribute('value');
  await select.selectOption((await option('100'))!);
  await expect(rows).toHaveCount(100);
  await expect(page.getByText(/Showing 100 of/)).toBeVisible();
  await select.selectOption((await option('10'))!);
  await expect(rows).toHaveCount(10);
});
