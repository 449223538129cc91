import { expect, test } from '@playwright/test';

const BASE_URL = process.env.BASE_URL!;

test('a link with ?status= opens the orders dashboard filtered, and choosing a status updates the address', async ({ page }) => {
  await page.goto(`${BASE_URL}/dashboards/orders?status=cancelled`);
  await expect(page.getByLabel('Status')).toHaveValue('cancelled');
  await expect(page.getByText('Status: Cancelled')).toBeVisible();
  await page.getByLabel('Status').selectOption('shipped');
  await expect(page).toHaveURL(/[?&]status=shipped/);
  await page.reload();
  await expect(page.getByLabel('Status')).toHaveValue('shipped');
});
