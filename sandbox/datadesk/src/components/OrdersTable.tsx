import type { Order } from '../data/schema';
import { formatCurrencyCents } from '../format';
import { StatusBadge } from './StatusBadge';

const COLUMNS = [
  { key: 'id', label: 'ID' },
  { key: 'date', label: 'Date' },
  { key: 'customer', label: 'Customer' },
  { key: 'region', label: 'Region' },
  { key: 'product', label: 'Product' },
  { key: 'status', label: 'Status' },
  { key: 'amount', label: 'Amount', numeric: true },
] as const;

export function OrdersTable({ orders }: { orders: Order[] }) {
  return (
    <div className="table-wrap">
      <table className="table" data-testid="orders-table">
        <caption>Orders</caption>
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th key={c.key} scope="col" className={'numeric' in c ? 'numeric' : undefined}>{c.label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {orders.map((o) => (
            <tr key={o.id}>
              <td className="mono">{o.id}</td>
              <td>{o.date}</td>
              <td>{o.customer}</td>
              <td>{o.region}</td>
              <td>{o.product}</td>
              <td><StatusBadge status={o.status} /></td>
              <td className="numeric">{formatCurrencyCents(o.amount)}</td>
            </tr>
          ))}
          {orders.length === 0 && (
            <tr>
              <td colSpan={COLUMNS.length} className="table-empty">No orders match this filter.</td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
