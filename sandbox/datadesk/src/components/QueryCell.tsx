import { useState, type KeyboardEvent } from 'react';
import { tryRunQuery, type QueryOutcome } from '../query';
import type { CellDisplay } from '../notebooks/types';
import { formatInteger } from '../format';
import { CellToolbar } from './CellToolbar';
import type { CellProps } from './MarkdownCell';
import { ResultChart } from './ResultChart';
import { MAX_RESULT_ROWS, ResultTable } from './ResultTable';
import { SelectField } from './SelectField';

const DISPLAY_OPTIONS = [
  { value: 'table', label: 'Table' },
  { value: 'chart', label: 'Bar chart' },
] as const;

export function QueryCell({ cell, index, isFirst, isLast, onChange, onMove, onDelete }: CellProps) {
  const [outcome, setOutcome] = useState<QueryOutcome | null>(null);
  const n = index + 1;
  const display: CellDisplay = cell.display ?? 'table';
  const run = () => setOutcome(tryRunQuery(cell.source));

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) {
      e.preventDefault();
      run();
    }
  };

  return (
    <section role="region" aria-label={`Cell ${n}`} className="cell cell-query" data-testid="notebook-cell">
      <CellToolbar index={index} kind="Query" isFirst={isFirst} isLast={isLast} onMove={onMove} onDelete={onDelete}>
        <button type="button" className="button button-primary button-small" aria-label={`Run cell ${n}`} onClick={run}>
          ▶ Run
        </button>
      </CellToolbar>
      <div className="cell-body">
        <textarea
          className="textarea code"
          aria-label={`Query for cell ${n}`}
          spellCheck={false}
          value={cell.source}
          rows={Math.max(3, Math.ceil(cell.source.length / 90) + 1)}
          onChange={(e) => onChange({ source: e.target.value })}
          onKeyDown={onKeyDown}
        />
        <div className="cell-options">
          <SelectField label="Display" value={display} options={DISPLAY_OPTIONS} onChange={(v) => onChange({ display: v })} inline />
          <span className="muted small">Ctrl+Enter to run</span>
        </div>
        {outcome && (
          <div className="cell-output" data-testid="cell-output">
            {outcome.ok ? (
              <>
                <p role="status" className="status-line small">
                  {formatInteger(outcome.result.rows.length)} {outcome.result.rows.length === 1 ? 'row' : 'rows'}
                  {outcome.result.rows.length > MAX_RESULT_ROWS && display === 'table' ? ` (showing first ${MAX_RESULT_ROWS})` : ''}
                  {' · '}
                  {outcome.ms.toFixed(1)} ms
                </p>
                {display === 'chart'
                  ? <ResultChart result={outcome.result} />
                  : <ResultTable result={outcome.result} caption={`Results of cell ${n}`} />}
              </>
            ) : (
              <p role="alert" className="query-error">{outcome.error}</p>
            )}
          </div>
        )}
      </div>
    </section>
  );
}
