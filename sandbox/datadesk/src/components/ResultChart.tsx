import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { QueryResult } from '../query';
import { formatNumber } from '../format';
import { AXIS_TICK, GRID_STROKE, SERIES_COLORS, TOOLTIP_STYLE } from './chartTheme';

/** Bar chart of a query result: first column is the category, first numeric column is the value. */
export function ResultChart({ result }: { result: QueryResult }) {
  const valueIndex = result.columns.findIndex((_, i) => i > 0 && result.rows.some((r) => typeof r[i] === 'number'));
  if (result.columns.length < 2 || valueIndex < 0) {
    return <p className="muted" role="note">A chart needs a label column followed by a numeric column, e.g. SELECT region, COUNT(*) … GROUP BY region.</p>;
  }
  const valueKey = result.columns[valueIndex];
  const data = result.rows.map((r) => ({ label: String(r[0] ?? '—'), value: r[valueIndex] }));
  return (
    <div className="chart chart-small" data-testid="cell-chart">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid stroke={GRID_STROKE} vertical={false} />
          <XAxis dataKey="label" tick={AXIS_TICK} tickLine={false} axisLine={{ stroke: GRID_STROKE }} />
          <YAxis tick={AXIS_TICK} tickLine={false} axisLine={false} width={72} tickFormatter={(v) => formatNumber(Number(v))} />
          <Tooltip contentStyle={TOOLTIP_STYLE} formatter={(v) => formatNumber(Number(v))} />
          <Bar dataKey="value" name={valueKey} fill={SERIES_COLORS.orders} radius={[3, 3, 0, 0]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
