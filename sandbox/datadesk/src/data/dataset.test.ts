import { describe, expect, it } from 'vitest';
import { createRng, mulberry32 } from './prng';
import { customers, FIRST_MONTH, LAST_MONTH, MONTHS, orders, products, regions } from './dataset';
import { REGIONS } from './schema';

describe('prng', () => {
  it('is deterministic for a seed', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const seqA = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(seqA);
    expect(seqA.every((n) => n >= 0 && n < 1)).toBe(true);
  });

  it('int() stays within bounds', () => {
    const rng = createRng(7);
    for (let i = 0; i < 1000; i++) {
      const n = rng.int(3, 5);
      expect(n).toBeGreaterThanOrEqual(3);
      expect(n).toBeLessThanOrEqual(5);
    }
  });
});

describe('dataset', () => {
  it('covers 18 months from 2024-07 to 2025-12', () => {
    expect(MONTHS).toHaveLength(18);
    expect(MONTHS[0]).toBe(FIRST_MONTH);
    expect(MONTHS[MONTHS.length - 1]).toBe(LAST_MONTH);
  });

  it('has a realistic number of rows', () => {
    expect(orders.length).toBeGreaterThanOrEqual(800);
    expect(orders.length).toBeLessThanOrEqual(2000);
    expect(customers).toHaveLength(120);
    expect(products).toHaveLength(8);
    expect(regions.map((r) => r.name)).toEqual([...REGIONS]);
  });

  it('is the same every time (snapshot of key figures)', async () => {
    // Re-import a fresh copy of the module: generation must not depend on anything but the seed.
    const { vi } = await import('vitest');
    vi.resetModules();
    const fresh = await import('./dataset');
    expect(fresh.orders).toEqual(orders);
    expect(fresh.customers).toEqual(customers);
    expect({
      count: orders.length,
      first: orders[0].id,
      last: orders[orders.length - 1].id,
      total: Math.round(orders.reduce((s, o) => s + o.amount, 0)),
    }).toMatchInlineSnapshot(`
      {
        "count": 1614,
        "first": "ORD-10001",
        "last": "ORD-11614",
        "total": 1315014,
      }
    `);
  });

  it('keeps every order inside the date range, sorted by date, with unique ids', () => {
    const ids = new Set(orders.map((o) => o.id));
    expect(ids.size).toBe(orders.length);
    for (let i = 0; i < orders.length; i++) {
      const o = orders[i];
      expect(o.date >= `${FIRST_MONTH}-01` && o.date <= `${LAST_MONTH}-31`).toBe(true);
      expect(o.date.slice(0, 7)).toBe(o.month);
      if (i > 0) expect(orders[i - 1].date <= o.date).toBe(true);
    }
  });

  it('has orders in every month and region, plus some refunds and cancellations', () => {
    for (const m of MONTHS) expect(orders.some((o) => o.month === m)).toBe(true);
    for (const r of REGIONS) expect(orders.some((o) => o.region === r)).toBe(true);
    const refunded = orders.filter((o) => o.status === 'refunded').length;
    expect(refunded / orders.length).toBeGreaterThan(0.03);
    expect(refunded / orders.length).toBeLessThan(0.12);
    expect(orders.some((o) => o.status === 'cancelled')).toBe(true);
  });

  it('references real customers and products, with positive amounts', () => {
    const customerIds = new Map(customers.map((c) => [c.id, c]));
    const productNames = new Set(products.map((p) => p.name));
    for (const o of orders) {
      const customer = customerIds.get(o.customer_id);
      expect(customer?.name).toBe(o.customer);
      expect(customer?.region).toBe(o.region);
      expect(productNames.has(o.product)).toBe(true);
      expect(o.amount).toBeGreaterThan(0);
    }
  });
});
