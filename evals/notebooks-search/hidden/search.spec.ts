import { expect, test } from '@playwright/test';

const BASE_URL = process.env.BASE_URL!;

test('the search box filters notebooks by title, whatever the case', async ({ page }) => {
  await page.goto(`${BASE_URL}/notebooks`);
  const list = page.getByRole('list', { name: 'Notebooks' }).getByRole('listitem');
  const all = await list.count();
  expect(all).toBeGreaterThan(1);
  await page.getByRole('searchbox').or(page.getByLabel(/search/i)).first().fill('refund');
  await expect(list).toHaveCount(1);
  await expect(list.first()).toContainText('Refund watch');
  await page.getByRole('searchbox').or(page.getByLabel(/search/i)).first().fill('');
  await expect(list).toHaveCount(all);
});
