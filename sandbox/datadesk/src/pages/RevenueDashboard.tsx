import { useMemo, useState } from 'react';
import { Card } from '../components/Card';
import { KpiTile } from '../components/KpiTile';
import { PageHeader } from '../components/PageHeader';
import { RevenueChart } from '../components/RevenueChart';
import { SelectField } from '../components/SelectField';
import { RANGE_OPTIONS, monthsInRange, revenueByMonth, revenueKpis, type RangeKey, type RegionFilter } from '../data/metrics';
import { REGIONS } from '../data/schema';
import { formatCurrency, formatInteger, formatMonth } from '../format';

const REGION_OPTIONS = [{ value: 'All', label: 'All regions' }, ...REGIONS.map((r) => ({ value: r, label: r }))] as const;

export function RevenueDashboard() {
  const [range, setRange] = useState<RangeKey>('12');
  const [region, setRegion] = useState<RegionFilter>('All');

  const series = useMemo(() => revenueByMonth(range, region), [range, region]);
  const kpis = useMemo(() => revenueKpis(range, region), [range, region]);
  const months = monthsInRange(range);
  const period = `${formatMonth(months[0])} – ${formatMonth(months[months.length - 1])}`;
  const refundRate = kpis.totalRevenue ? (kpis.refunds / kpis.totalRevenue) * 100 : 0;

  return (
    <div className="page">
      <PageHeader
        eyebrow="Dashboards"
        title="Revenue"
        description="Booked revenue, refunds and net revenue by month. Cancelled orders are excluded."
        actions={
          <div className="filters" role="search" aria-label="Revenue filters">
            <SelectField label="Range" value={range} options={RANGE_OPTIONS} onChange={setRange} testId="filter-range" />
            <SelectField label="Region" value={region} options={REGION_OPTIONS} onChange={setRegion} testId="filter-region" />
          </div>
        }
      />

      <p role="status" className="status-line">
        Showing {months.length} months ({period}) for {region === 'All' ? 'all regions' : `the ${region} region`}
      </p>

      <div className="kpi-grid">
        <KpiTile id="total-revenue" label="Total revenue" value={formatCurrency(kpis.totalRevenue)} hint={period} />
        <KpiTile id="refunds" label="Refunds" value={formatCurrency(kpis.refunds)} hint={`${refundRate.toFixed(1)}% of revenue`} tone="negative" />
        <KpiTile id="net" label="Net" value={formatCurrency(kpis.net)} hint="Revenue minus refunds" tone="positive" />
        <KpiTile id="orders" label="Orders" value={formatInteger(kpis.orders)} hint="Excluding cancelled" />
      </div>

      <Card title="Revenue by month" subtitle="USD, monthly totals">
        <RevenueChart data={series} />
      </Card>
    </div>
  );
}
