/** Shared chart colours and axis styling so every chart in Datadesk looks the same. */
export const SERIES_COLORS = {
  revenue: '#2563eb',
  refunds: '#dc2626',
  net: '#059669',
  orders: '#4f46e5',
} as const;

export const AXIS_TICK = { fill: '#64748b', fontSize: 12 };
export const GRID_STROKE = '#e2e8f0';
export const TOOLTIP_STYLE = { borderRadius: 8, border: '1px solid #e2e8f0', boxShadow: '0 4px 12px rgba(15, 23, 42, 0.08)', fontSize: 13 };
