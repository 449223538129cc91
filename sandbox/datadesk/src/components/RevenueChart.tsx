import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { MonthlyRevenue } from '../data/metrics';
import { formatCompactCurrency, formatCurrency, formatMonth, formatMonthShort } from '../format';
import { AXIS_TICK, GRID_STROKE, SERIES_COLORS, TOOLTIP_STYLE } from './chartTheme';

/** The series drawn on the revenue chart. className identifies each line in the DOM. */
export const REVENUE_SERIES = [
  { key: 'revenue', name: 'Revenue', color: SERIES_COLORS.revenue, className: 'series-revenue' },
  { key: 'refunds', name: 'Refunds', color: SERIES_COLORS.refunds, className: 'series-refunds' },
  { key: 'net', name: 'Net', color: SERIES_COLORS.net, className: 'series-net' },
] as const;

export function RevenueChart({ data }: { data: MonthlyRevenue[] }) {
  return (
    <div className="chart" data-testid="revenue-chart">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 8, right: 24, bottom: 0, left: 8 }}>
          <CartesianGrid stroke={GRID_STROKE} vertical={false} />
          <XAxis dataKey="month" tickFormatter={formatMonthShort} tick={AXIS_TICK} tickLine={false} axisLine={{ stroke: GRID_STROKE }} />
          <YAxis tickFormatter={formatCompactCurrency} tick={AXIS_TICK} tickLine={false} axisLine={false} width={64} />
          <Tooltip
            contentStyle={TOOLTIP_STYLE}
            labelFormatter={(label) => formatMonth(String(label))}
            formatter={(value) => formatCurrency(Number(value))}
          />
          <Legend verticalAlign="top" align="right" height={32} iconType="plainline" itemSorter={null} />
          {REVENUE_SERIES.map((s) => (
            <Line
              key={s.key}
              type="monotone"
              dataKey={s.key}
              name={s.name}
              className={s.className}
              stroke={s.color}
              strokeWidth={2}
              dot={false}
              activeDot={{ r: 4 }}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
