import { labelOf, type Condition, type Operand, type SelectItem, type SelectQuery } from './ast';
import { QueryError } from './errors';
import { TABLES, TABLE_NAMES, type ColumnType, type Row, type TableDef, type Value } from './tables';

export interface QueryResult {
  columns: string[];
  rows: Value[][];
}

type NamedItem = Exclude<SelectItem, { kind: 'star' }>;

export function evaluate(query: SelectQuery, tables: Record<string, TableDef> = TABLES): QueryResult {
  const table = tables[query.from.name];
  if (!table) {
    throw new QueryError(`Unknown table "${query.from.name}". Available tables: ${TABLE_NAMES.join(', ')}`, query.from.pos);
  }
  const resolve = (name: string, pos?: number) => resolveColumn(table, name, pos);

  let rows = query.where ? table.rows.filter(compileCondition(query.where, table)) : [...table.rows];

  const items: NamedItem[] = query.select[0].kind === 'star'
    ? Object.keys(table.columns).map((name) => ({ kind: 'column', name, pos: query.select[0].pos }))
    : (query.select as NamedItem[]);
  const hasAggregate = items.some((item) => item.kind === 'aggregate');
  const groupBy = query.groupBy ? resolve(query.groupBy.name, query.groupBy.pos) : undefined;

  for (const item of items) {
    if (item.kind === 'column') {
      const name = resolve(item.name, item.pos);
      if ((hasAggregate || groupBy) && name !== groupBy) {
        throw new QueryError(
          groupBy
            ? `Column "${item.name}" must be the GROUP BY column or be wrapped in an aggregate like COUNT(*)`
            : `Column "${item.name}" cannot be mixed with aggregates without GROUP BY ${item.name}`,
          item.pos,
        );
      }
    } else if (item.arg !== '*') {
      const name = resolve(item.arg, item.pos);
      if ((item.fn === 'SUM' || item.fn === 'AVG') && table.columns[name] !== 'number') {
        throw new QueryError(`${item.fn} needs a numeric column, but "${name}" is text`, item.pos);
      }
    }
  }
  if (query.select[0].kind === 'star' && groupBy) {
    throw new QueryError('SELECT * cannot be used with GROUP BY; list the group column and aggregates', query.select[0].pos);
  }

  const labels = items.map(labelOf);
  let output: Value[][];

  if (hasAggregate || groupBy) {
    const groups = new Map<Value, Row[]>();
    if (!groupBy) groups.set(null, rows);
    for (const row of groupBy ? rows : []) {
      const key = row[groupBy!];
      const bucket = groups.get(key);
      if (bucket) bucket.push(row);
      else groups.set(key, [row]);
    }
    output = [...groups.values()].map((groupRows) =>
      items.map((item) => (item.kind === 'column' ? groupRows[0][resolve(item.name)] : aggregate(item.fn, item.arg === '*' ? '*' : resolve(item.arg), groupRows))),
    );
  } else {
    if (query.orderBy && !labels.some((l) => sameName(l, query.orderBy!.key))) {
      // Sorting by a source column that is not selected: sort the rows before projecting.
      const key = resolve(query.orderBy.key, query.orderBy.pos);
      rows = sortRows(rows, (r) => r[key], query.orderBy.direction);
    }
    output = rows.map((row) => items.map((item) => row[resolve((item as { name: string }).name)]));
  }

  if (query.orderBy) {
    const index = labels.findIndex((l) => sameName(l, query.orderBy!.key));
    if (index >= 0) output = sortRows(output, (r) => r[index], query.orderBy.direction);
    else if (hasAggregate || groupBy) {
      throw new QueryError(`Cannot ORDER BY "${query.orderBy.key}": pick one of the selected columns (${labels.join(', ')})`, query.orderBy.pos);
    }
  }
  if (query.limit !== undefined) output = output.slice(0, query.limit);
  return { columns: labels, rows: output };
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function resolveColumn(table: TableDef, name: string, pos?: number): string {
  const found = Object.keys(table.columns).find((c) => sameName(c, name));
  if (!found) {
    throw new QueryError(`Unknown column "${name}" in table ${table.name}. Columns: ${Object.keys(table.columns).join(', ')}`, pos);
  }
  return found;
}

function compare(a: Value, b: Value): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

function sortRows<T>(rows: T[], key: (row: T) => Value, direction: 'ASC' | 'DESC'): T[] {
  const sign = direction === 'DESC' ? -1 : 1;
  // Array.prototype.sort is stable, so ties keep their original order.
  return [...rows].sort((x, y) => sign * compare(key(x), key(y)));
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function aggregate(fn: string, column: string, rows: Row[]): Value {
  if (fn === 'COUNT') return column === '*' ? rows.length : rows.filter((r) => r[column] !== null).length;
  const values = rows.map((r) => r[column]).filter((v): v is string | number => v !== null);
  if (values.length === 0) return null;
  switch (fn) {
    case 'SUM': return round2((values as number[]).reduce((s, v) => s + v, 0));
    case 'AVG': return round2((values as number[]).reduce((s, v) => s + v, 0) / values.length);
    case 'MIN': return values.reduce((m, v) => (compare(v, m) < 0 ? v : m));
    case 'MAX': return values.reduce((m, v) => (compare(v, m) > 0 ? v : m));
    default: throw new QueryError(`Unknown aggregate ${fn}`);
  }
}

function compileCondition(cond: Condition, table: TableDef): (row: Row) => boolean {
  if (cond.kind === 'and' || cond.kind === 'or') {
    const left = compileCondition(cond.left, table);
    const right = compileCondition(cond.right, table);
    return cond.kind === 'and' ? (row) => left(row) && right(row) : (row) => left(row) || right(row);
  }
  return compileComparison(cond, table);
}

function compileComparison(cond: Extract<Condition, { kind: 'compare' }>, table: TableDef): (row: Row) => boolean {
  const typeOf = (o: Operand): ColumnType => (o.kind === 'column' ? table.columns[resolveColumn(table, o.name, o.pos)] : typeof o.value === 'number' ? 'number' : 'text');
  const leftType = typeOf(cond.left);
  const rightType = typeOf(cond.right);
  if (leftType !== rightType) {
    const col = cond.left.kind === 'column' ? cond.left : cond.right;
    const lit = col === cond.left ? cond.right : cond.left;
    const shown = lit.kind === 'literal' ? (typeof lit.value === 'string' ? `'${lit.value}'` : String(lit.value)) : `"${lit.name}"`;
    throw new QueryError(`Cannot compare ${leftType === 'number' ? 'numeric' : 'text'} value with ${rightType === 'number' ? 'numeric' : 'text'} value ${shown}${col.kind === 'column' ? ` (column "${col.name}")` : ''}`, cond.left.pos);
  }
  const get = (o: Operand): ((row: Row) => Value) => {
    if (o.kind === 'literal') return () => o.value;
    const name = resolveColumn(table, o.name, o.pos);
    return (row) => row[name];
  };
  const left = get(cond.left);
  const right = get(cond.right);
  const test: Record<string, (c: number) => boolean> = {
    '=': (c) => c === 0, '!=': (c) => c !== 0, '<': (c) => c < 0, '<=': (c) => c <= 0, '>': (c) => c > 0, '>=': (c) => c >= 0,
  };
  const check = test[cond.op];
  return (row) => {
    const a = left(row);
    const b = right(row);
    if (a === null || b === null) return false;
    return check(compare(a, b));
  };
}
