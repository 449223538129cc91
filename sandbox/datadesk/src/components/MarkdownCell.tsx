import { useState } from 'react';
import type { Cell } from '../notebooks/types';
import { CellToolbar } from './CellToolbar';
import { Markdown } from './Markdown';

export interface CellProps {
  cell: Cell;
  index: number;
  isFirst: boolean;
  isLast: boolean;
  onChange: (patch: Partial<Pick<Cell, 'source' | 'display'>>) => void;
  onMove: (direction: 'up' | 'down') => void;
  onDelete: () => void;
}

export function MarkdownCell({ cell, index, isFirst, isLast, onChange, onMove, onDelete }: CellProps) {
  const [editing, setEditing] = useState(cell.source === '');
  const n = index + 1;
  return (
    <section role="region" aria-label={`Cell ${n}`} className="cell cell-markdown" data-testid="notebook-cell">
      <CellToolbar index={index} kind="Markdown" isFirst={isFirst} isLast={isLast} onMove={onMove} onDelete={onDelete}>
        <button type="button" className="button button-small" aria-label={editing ? `Preview cell ${n}` : `Edit cell ${n}`} onClick={() => setEditing(!editing)}>
          {editing ? 'Preview' : 'Edit'}
        </button>
      </CellToolbar>
      <div className="cell-body">
        {editing ? (
          <textarea
            className="textarea"
            aria-label={`Markdown for cell ${n}`}
            value={cell.source}
            rows={Math.max(4, cell.source.split('\n').length + 1)}
            onChange={(e) => onChange({ source: e.target.value })}
          />
        ) : (
          <Markdown source={cell.source} />
        )}
      </div>
    </section>
  );
}
