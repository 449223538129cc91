import type { QueryResult, Value } from '../query';
import { formatNumber } from '../format';

/** Rows shown before truncating; keeps huge SELECT * results from freezing the page. */
export const MAX_RESULT_ROWS = 200;

export function formatValue(value: Value, fractionDigits?: number): string {
  if (value === null) return '—';
  return typeof value === 'number' ? formatNumber(value, fractionDigits) : value;
}

/** A numeric column with any fractional value is shown with 2 decimals throughout, so figures line up. */
function columnFractionDigits(result: QueryResult, index: number): number | undefined {
  return result.rows.some((r) => typeof r[index] === 'number' && !Number.isInteger(r[index])) ? 2 : undefined;
}

export function ResultTable({ result, caption }: { result: QueryResult; caption: string }) {
  const rows = result.rows.slice(0, MAX_RESULT_ROWS);
  const digits = result.columns.map((_, i) => columnFractionDigits(result, i));
  const numeric = result.columns.map((_, i) => result.rows.length > 0 && result.rows.every((r) => r[i] === null || typeof r[i] === 'number'));
  return (
    <div className="table-wrap result-table">
      <table className="table table-compact" data-testid="cell-result-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {result.columns.map((c, i) => <th key={i} scope="col" className={numeric[i] ? 'numeric' : undefined}>{c}</th>)}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, r) => (
            <tr key={r}>
              {row.map((v, c) => <td key={c} className={numeric[c] ? 'numeric' : undefined}>{formatValue(v, digits[c])}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
