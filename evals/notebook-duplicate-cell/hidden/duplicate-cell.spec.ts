import { expect, test } from '@playwright/test';

const BASE_URL = process.env.BASE_URL!;

test('duplicating a cell inserts a copy right below it', async ({ page }) => {
  await page.goto(`${BASE_URL}/notebooks/regional-revenue`);
  const cells = page.getByRole('region', { name: /^Cell \d+$/ });
  await expect(cells).toHaveCount(4);
  await page.getByRole('button', { name: /^Duplicate cell 1$/ }).click();
  await expect(cells).toHaveCount(5);
  const second = page.getByRole('region', { name: 'Cell 2', exact: true });
  await expect(second.getByRole('heading', { name: 'Regional revenue review' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Cell 3', exact: true }).getByRole('button', { name: 'Run cell 3' })).toBeVisible();
});
