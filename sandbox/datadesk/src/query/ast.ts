export const AGGREGATES = ['COUNT', 'SUM', 'AVG', 'MIN', 'MAX'] as const;
export type AggregateFn = (typeof AGGREGATES)[number];

export type SelectItem =
  | { kind: 'star'; pos: number }
  | { kind: 'column'; name: string; alias?: string; pos: number }
  /** arg is a column name, or '*' for COUNT(*). */
  | { kind: 'aggregate'; fn: AggregateFn; arg: string; alias?: string; pos: number };

export type Operand = { kind: 'literal'; value: string | number; pos: number } | { kind: 'column'; name: string; pos: number };

export type ComparisonOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Condition =
  | { kind: 'compare'; left: Operand; op: ComparisonOp; right: Operand }
  | { kind: 'and'; left: Condition; right: Condition }
  | { kind: 'or'; left: Condition; right: Condition };

export interface OrderBy {
  /** Output column label, alias or source column name. */
  key: string;
  direction: 'ASC' | 'DESC';
  pos: number;
}

export interface SelectQuery {
  select: SelectItem[];
  from: { name: string; pos: number };
  where?: Condition;
  groupBy?: { name: string; pos: number };
  orderBy?: OrderBy;
  limit?: number;
}

/** The label a select item gets in the output, e.g. "region", "total" or "SUM(amount)". */
export function labelOf(item: Exclude<SelectItem, { kind: 'star' }>): string {
  if (item.alias) return item.alias;
  return item.kind === 'column' ? item.name : `${item.fn}(${item.arg})`;
}
