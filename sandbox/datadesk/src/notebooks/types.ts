export type CellType = 'markdown' | 'query';
export type CellDisplay = 'table' | 'chart';

export interface Cell {
  id: string;
  type: CellType;
  source: string;
  /** Query cells only: how results are shown. */
  display?: CellDisplay;
}

export interface Notebook {
  id: string;
  title: string;
  cells: Cell[];
  /** ISO timestamp. */
  updatedAt: string;
}
