/** Pure, immutable operations on a notebook's cells. Components call these; they never mutate. */
import type { Cell, CellType, Notebook } from './types';

let counter = 0;
export function newId(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter.toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

export function createCell(type: CellType): Cell {
  return type === 'query'
    ? { id: newId('cell'), type, source: 'SELECT region, COUNT(*) AS orders FROM orders GROUP BY region', display: 'table' }
    : { id: newId('cell'), type, source: '' };
}

const touch = (nb: Notebook, cells: Cell[]): Notebook => ({ ...nb, cells, updatedAt: new Date().toISOString() });

export function addCell(nb: Notebook, type: CellType): Notebook {
  return touch(nb, [...nb.cells, createCell(type)]);
}

export function deleteCell(nb: Notebook, cellId: string): Notebook {
  return touch(nb, nb.cells.filter((c) => c.id !== cellId));
}

export function moveCell(nb: Notebook, cellId: string, direction: 'up' | 'down'): Notebook {
  const from = nb.cells.findIndex((c) => c.id === cellId);
  const to = direction === 'up' ? from - 1 : from + 1;
  if (from < 0 || to < 0 || to >= nb.cells.length) return nb;
  const cells = [...nb.cells];
  [cells[from], cells[to]] = [cells[to], cells[from]];
  return touch(nb, cells);
}

export function updateCell(nb: Notebook, cellId: string, patch: Partial<Omit<Cell, 'id' | 'type'>>): Notebook {
  return touch(nb, nb.cells.map((c) => (c.id === cellId ? { ...c, ...patch } : c)));
}
