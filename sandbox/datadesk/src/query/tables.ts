import { customers, orders, products, regions } from '../data/dataset';

export type Value = string | number | null;
export type Row = Record<string, Value>;
export type ColumnType = 'text' | 'number';

export interface TableDef {
  name: string;
  description: string;
  columns: Record<string, ColumnType>;
  rows: readonly Row[];
}

const table = (name: string, description: string, columns: Record<string, ColumnType>, rows: readonly object[]): TableDef => ({
  name,
  description,
  columns,
  rows: rows as readonly Row[],
});

/** The tables a notebook query can read. Read-only views over the bundled dataset. */
export const TABLES: Record<string, TableDef> = {
  orders: table('orders', 'One row per order', {
    id: 'text', date: 'text', month: 'text', customer_id: 'text', customer: 'text', region: 'text',
    product: 'text', quantity: 'number', amount: 'number', status: 'text',
  }, orders),
  customers: table('customers', 'Customer accounts', {
    id: 'text', name: 'text', region: 'text', segment: 'text', signup_date: 'text',
  }, customers),
  products: table('products', 'Product catalogue', { id: 'text', name: 'text', category: 'text', price: 'number' }, products),
  regions: table('regions', 'Sales regions and annual targets', { name: 'text', manager: 'text', target: 'number' }, regions),
};

export const TABLE_NAMES = Object.keys(TABLES);
