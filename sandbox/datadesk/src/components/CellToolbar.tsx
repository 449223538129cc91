import type { ReactNode } from 'react';

interface CellToolbarProps {
  index: number;
  kind: string;
  isFirst: boolean;
  isLast: boolean;
  onMove: (direction: 'up' | 'down') => void;
  onDelete: () => void;
  /** Extra, cell-specific buttons (Run, Edit…) shown before the generic ones. */
  children?: ReactNode;
}

export function CellToolbar({ index, kind, isFirst, isLast, onMove, onDelete, children }: CellToolbarProps) {
  const n = index + 1;
  return (
    <div className="cell-toolbar">
      <span className="cell-kind">
        <span className="cell-index">[{n}]</span> {kind}
      </span>
      <div className="cell-actions">
        {children}
        <button type="button" className="button button-icon" aria-label={`Move cell ${n} up`} title="Move up" disabled={isFirst} onClick={() => onMove('up')}>↑</button>
        <button type="button" className="button button-icon" aria-label={`Move cell ${n} down`} title="Move down" disabled={isLast} onClick={() => onMove('down')}>↓</button>
        <button type="button" className="button button-icon button-danger" aria-label={`Delete cell ${n}`} title="Delete" onClick={onDelete}>✕</button>
      </div>
    </div>
  );
}
