interface KpiTileProps {
  label: string;
  value: string;
  hint?: string;
  /** Used to build data-testid="kpi-<id>". */
  id: string;
  tone?: 'default' | 'negative' | 'positive';
}

export function KpiTile({ label, value, hint, id, tone = 'default' }: KpiTileProps) {
  return (
    <div role="group" aria-label={label} className={`kpi kpi-${tone}`} data-testid={`kpi-${id}`}>
      <div className="kpi-label">{label}</div>
      <div className="kpi-value">{value}</div>
      {hint && <div className="kpi-hint">{hint}</div>}
    </div>
  );
}
