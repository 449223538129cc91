/**
 * The bundled Datadesk dataset. Generated once at module load from a fixed seed,
 * so every machine, test run and screenshot sees exactly the same numbers.
 * Do not change SEED, the date range or the generation order: tests and saved
 * notebooks depend on the exact figures.
 */
import { createRng } from './prng';
import type { Customer, Order, OrderStatus, Product, Region, RegionInfo } from './schema';
import { REGIONS } from './schema';

export const SEED = 20250101;
/** First and last month covered by the dataset (inclusive). */
export const FIRST_MONTH = '2024-07';
export const LAST_MONTH = '2025-12';

export const products: readonly Product[] = [
  { id: 'P01', name: 'Starter plan', category: 'Subscription', price: 49 },
  { id: 'P02', name: 'Team plan', category: 'Subscription', price: 199 },
  { id: 'P03', name: 'Business plan', category: 'Subscription', price: 499 },
  { id: 'P04', name: 'Enterprise plan', category: 'Subscription', price: 1499 },
  { id: 'P05', name: 'Analytics add-on', category: 'Add-on', price: 99 },
  { id: 'P06', name: 'Priority support', category: 'Services', price: 299 },
  { id: 'P07', name: 'Onboarding package', category: 'Services', price: 750 },
  { id: 'P08', name: 'API credits', category: 'Usage', price: 25 },
];
const PRODUCT_WEIGHTS = [22, 20, 12, 4, 14, 8, 5, 15];

export const regions: readonly RegionInfo[] = [
  { name: 'North', manager: 'Ingrid Dahl', target: 620000 },
  { name: 'South', manager: 'Marco Reyes', target: 540000 },
  { name: 'East', manager: 'Priya Nair', target: 700000 },
  { name: 'West', manager: 'Tom Becker', target: 580000 },
];
const REGION_WEIGHTS = [24, 20, 31, 25];

const NAME_STEMS = [
  'Northwind', 'Contoso', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Vandelay', 'Soylent',
  'Tyrell', 'Cyberdyne', 'Wonka', 'Aperture', 'Stark', 'Wayne', 'Acme', 'Gringotts',
  'Oscorp', 'Pied Piper', 'Dunder', 'Monarch', 'Prestige', 'Bluth', 'Sterling', 'Krusty',
];
const NAME_SUFFIXES = ['Inc', 'Ltd', 'Labs', 'Group', 'GmbH', 'Co'];
const SEGMENTS = ['SMB', 'Mid-market', 'Enterprise'] as const;

export function monthsBetween(first: string, last: string): string[] {
  const out: string[] = [];
  let [y, m] = first.split('-').map(Number);
  const [ly, lm] = last.split('-').map(Number);
  while (y < ly || (y === ly && m <= lm)) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    m += 1;
    if (m > 12) { m = 1; y += 1; }
  }
  return out;
}

export const MONTHS: readonly string[] = monthsBetween(FIRST_MONTH, LAST_MONTH);

function daysInMonth(month: string): number {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function generate() {
  const rng = createRng(SEED);

  const customers: Customer[] = [];
  const usedNames = new Set<string>();
  for (let i = 0; customers.length < 120; i++) {
    const name = `${rng.pick(NAME_STEMS)} ${rng.pick(NAME_SUFFIXES)}`;
    if (usedNames.has(name)) continue;
    usedNames.add(name);
    const signupMonth = rng.pick(monthsBetween('2022-01', FIRST_MONTH));
    customers.push({
      id: `C${String(customers.length + 1).padStart(3, '0')}`,
      name,
      region: rng.weighted<Region>(REGIONS, REGION_WEIGHTS),
      segment: rng.weighted(SEGMENTS, [55, 30, 15]),
      signup_date: `${signupMonth}-${String(rng.int(1, 28)).padStart(2, '0')}`,
    });
  }

  const raw: Omit<Order, 'id'>[] = [];
  MONTHS.forEach((month, index) => {
    // Steady growth plus a Q4 bump, with some noise.
    const calendarMonth = Number(month.slice(5));
    const seasonal = calendarMonth >= 10 ? 14 : calendarMonth <= 2 ? -8 : 0;
    const count = 70 + index * 2 + seasonal + rng.int(-6, 6);
    const isLatest = index >= MONTHS.length - 1;
    for (let i = 0; i < count; i++) {
      const customer = rng.pick(customers);
      const product = rng.weighted(products, PRODUCT_WEIGHTS);
      const quantity = product.category === 'Usage' ? rng.int(10, 120) : rng.int(1, 4);
      const discount = rng.next() < 0.3 ? rng.int(5, 15) / 100 : 0;
      const r = rng.next();
      let status: OrderStatus;
      if (r < 0.07) status = 'refunded';
      else if (r < 0.1) status = 'cancelled';
      else if (isLatest) status = r < 0.45 ? 'pending' : r < 0.75 ? 'shipped' : 'completed';
      else status = 'completed';
      raw.push({
        date: `${month}-${String(rng.int(1, daysInMonth(month))).padStart(2, '0')}`,
        month,
        customer_id: customer.id,
        customer: customer.name,
        region: customer.region,
        product: product.name,
        quantity,
        amount: round2(product.price * quantity * (1 - discount)),
        status,
      });
    }
  });

  // Stable sort by date so order ids increase with time.
  const sorted = raw
    .map((o, i) => ({ o, i }))
    .sort((a, b) => (a.o.date < b.o.date ? -1 : a.o.date > b.o.date ? 1 : a.i - b.i))
    .map(({ o }, i): Order => ({ id: `ORD-${10001 + i}`, ...o }));

  return { customers, orders: sorted };
}

const generated = generate();

export const customers: readonly Customer[] = generated.customers;
/** All orders, oldest first. */
export const orders: readonly Order[] = generated.orders;
