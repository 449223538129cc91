import { expect, test } from '@playwright/test';

const BASE_URL = process.env.BASE_URL!;

test('clicking the Amount header sorts the recent orders by amount, largest first', async ({ page }) => {
  await page.goto(`${BASE_URL}/dashboards/orders`);
  const table = page.getByTestId('orders-table');
  await expect(table.locator('tbody tr')).toHaveCount(50);
  await table.getByRole('columnheader', { name: 'Amount' }).getByText('Amount').click();
  const cells = table.locator('tbody tr td:last-child');
  await expect(cells).toHaveCount(50);
  const amounts = (await cells.allInnerTexts()).map((t) => Number(t.replace(/[^0-9.]/g, '')));
  const sorted = [...amounts].sort((a, b) => b - a);
  expect(amounts).toEqual(sorted);
  expect(amounts[0]).toBeGreaterThan(amounts[amounts.length - 1]!);
});
