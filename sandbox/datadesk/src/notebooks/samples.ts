import type { Notebook } from './types';

/** Seeded into localStorage the first time Datadesk opens in a browser. */
export const SAMPLE_NOTEBOOKS: Notebook[] = [
  {
    id: 'regional-revenue',
    title: 'Regional revenue review',
    updatedAt: '2026-01-05T09:30:00.000Z',
    cells: [
      {
        id: 'rr-1',
        type: 'markdown',
        source: '# Regional revenue review\n\nQuarterly check of **booked revenue** by region. Cancelled orders are excluded.\n\n- Source: `orders` table\n- Owner: RevOps',
      },
      {
        id: 'rr-2',
        type: 'query',
        display: 'chart',
        source: "SELECT region, SUM(amount) AS revenue FROM orders WHERE status != 'cancelled' GROUP BY region ORDER BY revenue DESC",
      },
      {
        id: 'rr-3',
        type: 'markdown',
        source: '## Targets\n\nAnnual targets per region, for comparison.',
      },
      { id: 'rr-4', type: 'query', display: 'table', source: 'SELECT name, manager, target FROM regions ORDER BY target DESC' },
    ],
  },
  {
    id: 'refund-watch',
    title: 'Refund watch',
    updatedAt: '2026-01-12T14:05:00.000Z',
    cells: [
      {
        id: 'rw-1',
        type: 'markdown',
        source: '# Refund watch\n\nWhich products get refunded most? Numbers cover the whole dataset.',
      },
      {
        id: 'rw-2',
        type: 'query',
        display: 'table',
        source: "SELECT product, COUNT(*) AS refunds, SUM(amount) AS refunded FROM orders WHERE status = 'refunded' GROUP BY product ORDER BY refunded DESC",
      },
      {
        id: 'rw-3',
        type: 'query',
        display: 'table',
        source: "SELECT id, date, customer, product, amount FROM orders WHERE status = 'refunded' AND amount > 1000 ORDER BY date DESC LIMIT 10",
      },
    ],
  },
];
