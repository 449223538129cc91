import { describe, expect, it } from 'vitest';
import { orders } from './dataset';
import { monthsInRange, ordersByMonth, recentOrders, revenueByMonth, revenueKpis } from './metrics';

describe('metrics', () => {
  it('ranges count back from the last month of the dataset', () => {
    expect(monthsInRange('3')).toEqual(['2025-10', '2025-11', '2025-12']);
    expect(monthsInRange('12')).toHaveLength(12);
    expect(monthsInRange('all')).toHaveLength(18);
  });

  it('monthly revenue adds up to the KPI totals', () => {
    const series = revenueByMonth('6', 'All');
    const kpis = revenueKpis('6', 'All');
    expect(series).toHaveLength(6);
    const sum = series.reduce((s, m) => s + m.revenue, 0);
    expect(Math.abs(sum - kpis.totalRevenue)).toBeLessThanOrEqual(6); // per-month rounding
    expect(kpis.net).toBe(kpis.totalRevenue - kpis.refunds);
    for (const m of series) expect(m.net).toBe(m.revenue - m.refunds);
  });

  it('filters by region and excludes cancelled orders', () => {
    const all = revenueKpis('all', 'All');
    const byRegion = (['North', 'South', 'East', 'West'] as const).map((r) => revenueKpis('all', r));
    expect(byRegion.reduce((s, k) => s + k.orders, 0)).toBe(all.orders);
    expect(all.orders).toBe(orders.filter((o) => o.status !== 'cancelled').length);
  });

  it('orders by month and recent orders respect the status filter', () => {
    const refunded = orders.filter((o) => o.status === 'refunded').length;
    expect(ordersByMonth('refunded').reduce((s, m) => s + m.orders, 0)).toBe(refunded);
    const recent = recentOrders('All', 50);
    expect(recent).toHaveLength(50);
    expect(recent[0].id).toBe(orders[orders.length - 1].id);
    expect(recentOrders('refunded', 50).every((o) => o.status === 'refunded')).toBe(true);
  });
});
