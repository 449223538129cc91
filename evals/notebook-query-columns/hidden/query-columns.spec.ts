import { expect, test } from '@playwright/test';

const BASE_URL = process.env.BASE_URL!;

test('a query result names its column count, singular for one', async ({ page }) => {
  await page.goto(`${BASE_URL}/notebooks/regional-revenue`);
  await page.getByRole('button', { name: 'Run cell 2', exact: true }).click();
  const cell2 = page.getByRole('region', { name: 'Cell 2', exact: true });
  await expect(cell2.getByRole('status')).toContainText(/4 rows · 2 columns ·/);
  await page.getByLabel('Query for cell 4').fill('SELECT name FROM regions');
  await page.getByRole('button', { name: 'Run cell 4', exact: true }).click();
  const status = page.getByRole('region', { name: 'Cell 4', exact: true }).getByRole('status');
  await expect(status).toContainText(/4 rows · 1 column ·/);
});
