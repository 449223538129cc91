import { useMemo, useState } from 'react';
import { Card } from '../components/Card';
import { OrdersChart } from '../components/OrdersChart';
import { OrdersTable } from '../components/OrdersTable';
import { PageHeader } from '../components/PageHeader';
import { SelectField } from '../components/SelectField';
import { filterByStatus, ordersByMonth, recentOrders, type StatusFilter } from '../data/metrics';
import { ORDER_STATUSES } from '../data/schema';
import { capitalize, formatInteger } from '../format';

const STATUS_OPTIONS = [{ value: 'All', label: 'All statuses' }, ...ORDER_STATUSES.map((s) => ({ value: s, label: capitalize(s) }))] as const;
/** How many orders the table shows (newest first). */
export const RECENT_ORDERS_LIMIT = 50;

export function OrdersDashboard() {
  const [status, setStatus] = useState<StatusFilter>('All');
  const monthly = useMemo(() => ordersByMonth(status), [status]);
  const total = useMemo(() => filterByStatus(status).length, [status]);
  const recent = useMemo(() => recentOrders(status, RECENT_ORDERS_LIMIT), [status]);

  return (
    <div className="page">
      <PageHeader
        eyebrow="Dashboards"
        title="Orders"
        description="Order volume per month and the most recent orders."
        actions={
          <div className="filters" role="search" aria-label="Order filters">
            <SelectField label="Status" value={status} options={STATUS_OPTIONS} onChange={setStatus} testId="filter-status" />
          </div>
        }
      />

      <Card title="Orders per month" subtitle={status === 'All' ? 'All statuses' : `Status: ${capitalize(status)}`}>
        <OrdersChart data={monthly} />
      </Card>

      <Card title="Recent orders" subtitle={<span role="status">Showing {formatInteger(recent.length)} of {formatInteger(total)} orders</span>}>
        <OrdersTable orders={recent} />
      </Card>
    </div>
  );
}
