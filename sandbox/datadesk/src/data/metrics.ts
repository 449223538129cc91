/** Pure aggregations over the dataset used by the dashboards. */
import { MONTHS, orders as allOrders } from './dataset';
import type { Order, OrderStatus, Region } from './schema';

export type RangeKey = '3' | '6' | '12' | 'all';
export type RegionFilter = Region | 'All';
export type StatusFilter = OrderStatus | 'All';

export const RANGE_OPTIONS: readonly { value: RangeKey; label: string }[] = [
  { value: '3', label: 'Last 3 months' },
  { value: '6', label: 'Last 6 months' },
  { value: '12', label: 'Last 12 months' },
  { value: 'all', label: 'All time' },
];

/** Months covered by a range, relative to the last month of the dataset (not today). */
export function monthsInRange(range: RangeKey): string[] {
  return range === 'all' ? [...MONTHS] : MONTHS.slice(-Number(range));
}

/** Orders that count towards revenue: everything except cancelled orders. */
export function isBooked(order: Order): boolean {
  return order.status !== 'cancelled';
}

export interface MonthlyRevenue {
  month: string;
  revenue: number;
  refunds: number;
  net: number;
}

export function revenueByMonth(range: RangeKey, region: RegionFilter, source: readonly Order[] = allOrders): MonthlyRevenue[] {
  const months = monthsInRange(range);
  const byMonth = new Map(months.map((m) => [m, { month: m, revenue: 0, refunds: 0, net: 0 }]));
  for (const order of source) {
    const row = byMonth.get(order.month);
    if (!row || !isBooked(order) || (region !== 'All' && order.region !== region)) continue;
    row.revenue += order.amount;
    if (order.status === 'refunded') row.refunds += order.amount;
  }
  return months.map((m) => {
    const row = byMonth.get(m)!;
    const revenue = Math.round(row.revenue);
    const refunds = Math.round(row.refunds);
    return { month: m, revenue, refunds, net: revenue - refunds };
  });
}

export interface RevenueKpis {
  totalRevenue: number;
  refunds: number;
  net: number;
  orders: number;
}

export function revenueKpis(range: RangeKey, region: RegionFilter, source: readonly Order[] = allOrders): RevenueKpis {
  const months = new Set(monthsInRange(range));
  const kpis: RevenueKpis = { totalRevenue: 0, refunds: 0, net: 0, orders: 0 };
  for (const order of source) {
    if (!months.has(order.month) || !isBooked(order) || (region !== 'All' && order.region !== region)) continue;
    kpis.totalRevenue += order.amount;
    kpis.orders += 1;
    if (order.status === 'refunded') kpis.refunds += order.amount;
  }
  kpis.totalRevenue = Math.round(kpis.totalRevenue);
  kpis.refunds = Math.round(kpis.refunds);
  kpis.net = kpis.totalRevenue - kpis.refunds;
  return kpis;
}

export function filterByStatus(status: StatusFilter, source: readonly Order[] = allOrders): Order[] {
  return status === 'All' ? [...source] : source.filter((o) => o.status === status);
}

export function ordersByMonth(status: StatusFilter, source: readonly Order[] = allOrders): { month: string; orders: number }[] {
  const counts = new Map(MONTHS.map((m) => [m, 0]));
  for (const order of filterByStatus(status, source)) {
    counts.set(order.month, (counts.get(order.month) ?? 0) + 1);
  }
  return MONTHS.map((month) => ({ month, orders: counts.get(month) ?? 0 }));
}

/** Newest first. */
export function recentOrders(status: StatusFilter, limit: number, source: readonly Order[] = allOrders): Order[] {
  return filterByStatus(status, source).reverse().slice(0, limit);
}
