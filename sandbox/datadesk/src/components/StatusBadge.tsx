import type { OrderStatus } from '../data/schema';
import { capitalize } from '../format';

export function StatusBadge({ status }: { status: OrderStatus }) {
  return <span className={`badge badge-${status}`}>{capitalize(status)}</span>;
}
