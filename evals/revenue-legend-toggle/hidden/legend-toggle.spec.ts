import { expect, test } from '@playwright/test';

const BASE_URL = process.env.BASE_URL!;

/** The clickable legend entry of a series, whether the legend is recharts' own or buttons. */
const entry = (page: import('@playwright/test').Page, name: string) =>
  page
    .getByRole('button', { name, exact: true })
    .or(page.locator('.recharts-legend-item', { hasText: name }))
    .first();

test('clicking a legend entry hides its line, and clicking it again shows it', async ({ page }) => {
  await page.goto(`${BASE_URL}/dashboards/revenue`);
  await expect(page.locator('.series-refunds')).toBeVisible();
  await expect(page.locator('.series-net')).toBeVisible();
  await entry(page, 'Refunds').click();
  await expect(page.locator('.series-refunds')).toBeHidden();
  await expect(page.locator('.series-net')).toBeVisible();
  await expect(page.locator('.series-revenue')).toBeVisible();
  await entry(page, 'Refunds').click();
  await expect(page.locator('.series-refunds')).toBeVisible();
});
