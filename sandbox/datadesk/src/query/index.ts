import { evaluate, type QueryResult } from './evaluator';
import { parse } from './parser';
import { QueryError } from './errors';

export { QueryError } from './errors';
export { parse } from './parser';
export { evaluate, type QueryResult } from './evaluator';
export { TABLES, TABLE_NAMES, type Value } from './tables';

/** Parse and run a query against the bundled dataset. Throws QueryError on bad input. */
export function runQuery(sql: string): QueryResult {
  return evaluate(parse(sql));
}

export type QueryOutcome = { ok: true; result: QueryResult; ms: number } | { ok: false; error: string };

/** Like runQuery, but never throws: for UI code. */
export function tryRunQuery(sql: string): QueryOutcome {
  const started = performance.now();
  try {
    const result = runQuery(sql);
    return { ok: true, result, ms: performance.now() - started };
  } catch (err) {
    if (err instanceof QueryError) return { ok: false, error: err.message };
    throw err;
  }
}
