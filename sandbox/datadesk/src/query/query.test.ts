import { describe, expect, it } from 'vitest';
import { orders, products } from '../data/dataset';
import { parse, QueryError, runQuery, tryRunQuery } from './index';
import { tokenize } from './tokenizer';

const errorOf = (sql: string): string => {
  try {
    runQuery(sql);
  } catch (err) {
    expect(err).toBeInstanceOf(QueryError);
    return (err as Error).message;
  }
  throw new Error(`expected "${sql}" to fail`);
};

describe('tokenizer', () => {
  it('splits keywords, identifiers, literals and operators', () => {
    const tokens = tokenize("select a, COUNT(*) FROM t WHERE x >= -1.5 AND y <> 'it''s'");
    expect(tokens.map((t) => `${t.type}:${t.value}`)).toEqual([
      'keyword:SELECT', 'ident:a', 'comma:,', 'ident:COUNT', 'lparen:(', 'star:*', 'rparen:)', 'keyword:FROM', 'ident:t',
      'keyword:WHERE', 'ident:x', 'op:>=', 'number:-1.5', 'keyword:AND', 'ident:y', 'op:!=', "string:it's", 'eof:',
    ]);
  });

  it('reports positions of bad characters', () => {
    expect(() => tokenize('SELECT # FROM orders')).toThrow("Unexpected character '#' (at position 8)");
    expect(() => tokenize("SELECT 'oops")).toThrow('Unterminated string literal');
    expect(() => tokenize('SELECT * FROM orders WHERE region = "North"')).toThrow('Use single quotes');
  });
});

describe('parser', () => {
  it('builds an AST for a full query', () => {
    const q = parse("SELECT region, SUM(amount) AS total FROM orders WHERE status = 'completed' OR amount > 100 AND quantity < 3 GROUP BY region ORDER BY total DESC LIMIT 2;");
    expect(q.from.name).toBe('orders');
    expect(q.select).toMatchObject([{ kind: 'column', name: 'region' }, { kind: 'aggregate', fn: 'SUM', arg: 'amount', alias: 'total' }]);
    // AND binds tighter than OR.
    expect(q.where).toMatchObject({ kind: 'or', left: { kind: 'compare' }, right: { kind: 'and' } });
    expect(q.groupBy?.name).toBe('region');
    expect(q.orderBy).toMatchObject({ key: 'total', direction: 'DESC' });
    expect(q.limit).toBe(2);
  });

  it('gives clear parse errors', () => {
    expect(errorOf('')).toMatch(/Query is empty/);
    expect(errorOf('orders')).toBe('Expected SELECT at the start of the query, found "orders" (at position 1)');
    expect(errorOf('SELECT * orders')).toBe('Expected FROM after the column list, found "orders" (at position 10)');
    expect(errorOf('SELECT * FROM')).toBe('Expected a table name after FROM, found end of query (at position 14)');
    expect(errorOf('SELECT * FROM orders WHERE amount')).toMatch(/^Expected a comparison operator/);
    expect(errorOf('SELECT * FROM orders LIMIT x')).toMatch(/^Expected a number after LIMIT/);
    expect(errorOf('SELECT * FROM orders LIMIT 5 WHERE amount > 1')).toMatch(/clauses go in the order WHERE, GROUP BY, ORDER BY, LIMIT/);
    expect(errorOf('SELECT MEDIAN(amount) FROM orders')).toMatch(/Unknown function MEDIAN\(\)\. Supported: COUNT, SUM, AVG, MIN, MAX/);
    expect(errorOf('SELECT SUM(*) FROM orders')).toMatch(/SUM\(\*\) is not supported/);
    expect(errorOf('SELECT id, * FROM orders')).toMatch(/cannot be combined/);
    expect(errorOf('SELECT * FROM orders; DROP TABLE orders')).toMatch(/Only one statement/);
  });
});

describe('evaluator', () => {
  it('selects all columns with a limit', () => {
    const r = runQuery('SELECT * FROM products LIMIT 3');
    expect(r.columns).toEqual(['id', 'name', 'category', 'price']);
    expect(r.rows).toHaveLength(3);
    expect(r.rows[0]).toEqual([products[0].id, products[0].name, products[0].category, products[0].price]);
  });

  it('filters with WHERE, AND, OR and parentheses', () => {
    const r = runQuery("SELECT id FROM orders WHERE region = 'North' AND (status = 'refunded' OR amount >= 2000)");
    const expected = orders.filter((o) => o.region === 'North' && (o.status === 'refunded' || o.amount >= 2000));
    expect(r.rows.map((row) => row[0])).toEqual(expected.map((o) => o.id));
    expect(runQuery("SELECT id FROM orders WHERE date < '2024-08-01'").rows.length).toBe(orders.filter((o) => o.date < '2024-08-01').length);
    expect(runQuery('SELECT name FROM products WHERE price != 49').rows).toHaveLength(7);
  });

  it('computes aggregates over the whole table', () => {
    const r = runQuery('SELECT COUNT(*) AS n, SUM(amount), AVG(quantity), MIN(date), MAX(date) FROM orders');
    expect(r.columns).toEqual(['n', 'SUM(amount)', 'AVG(quantity)', 'MIN(date)', 'MAX(date)']);
    const [n, sum, , min, max] = r.rows[0];
    expect(n).toBe(orders.length);
    expect(sum).toBeCloseTo(orders.reduce((s, o) => s + o.amount, 0), 1);
    expect(min).toBe(orders[0].date);
    expect(max).toBe(orders[orders.length - 1].date);
    expect(runQuery('SELECT AVG(price), MIN(price), MAX(price) FROM products').rows[0]).toEqual([
      Math.round((products.reduce((s, p) => s + p.price, 0) / products.length) * 100) / 100, 25, 1499,
    ]);
    expect(runQuery("SELECT COUNT(*), SUM(amount) FROM orders WHERE region = 'Nowhere'").rows).toEqual([[0, null]]);
  });

  it('groups by a column', () => {
    const r = runQuery('SELECT region, COUNT(*) AS orders, SUM(amount) AS revenue FROM orders GROUP BY region ORDER BY region');
    expect(r.columns).toEqual(['region', 'orders', 'revenue']);
    expect(r.rows.map((row) => row[0])).toEqual(['East', 'North', 'South', 'West']);
    const north = orders.filter((o) => o.region === 'North');
    expect(r.rows[1][1]).toBe(north.length);
    expect(r.rows[1][2]).toBeCloseTo(north.reduce((s, o) => s + o.amount, 0), 2);
  });

  it('orders and limits results, by alias, by aggregate or by an unselected column', () => {
    const top = runQuery('SELECT product, COUNT(*) AS n FROM orders GROUP BY product ORDER BY n DESC LIMIT 3');
    expect(top.rows).toHaveLength(3);
    expect(Number(top.rows[0][1])).toBeGreaterThanOrEqual(Number(top.rows[1][1]));
    const byAgg = runQuery('SELECT product, COUNT(*) FROM orders GROUP BY product ORDER BY COUNT(*) DESC LIMIT 1');
    expect(byAgg.rows[0]).toEqual(top.rows[0]);
    const cheapest = runQuery('SELECT name FROM products ORDER BY price ASC LIMIT 1');
    expect(cheapest.rows[0][0]).toBe('API credits');
    const latest = runQuery('SELECT id, date FROM orders ORDER BY date DESC LIMIT 1');
    expect(latest.rows[0][1]).toBe(orders[orders.length - 1].date);
  });

  it('is case-insensitive for keywords, tables and columns', () => {
    expect(runQuery('select NAME from PRODUCTS limit 1').rows[0][0]).toBe('Starter plan');
  });

  it('gives clear semantic errors', () => {
    expect(errorOf('SELECT * FROM sales')).toBe('Unknown table "sales". Available tables: orders, customers, products, regions (at position 15)');
    expect(errorOf('SELECT revenue FROM orders')).toMatch(/^Unknown column "revenue" in table orders\. Columns: id, date/);
    expect(errorOf('SELECT SUM(region) FROM orders')).toMatch(/SUM needs a numeric column, but "region" is text/);
    expect(errorOf('SELECT region, COUNT(*) FROM orders')).toMatch(/cannot be mixed with aggregates without GROUP BY region/);
    expect(errorOf('SELECT product, COUNT(*) FROM orders GROUP BY region')).toMatch(/must be the GROUP BY column/);
    expect(errorOf("SELECT id FROM orders WHERE amount > '100'")).toMatch(/Cannot compare numeric value with text value '100'/);
    expect(errorOf('SELECT region, COUNT(*) AS n FROM orders GROUP BY region ORDER BY amount')).toMatch(/Cannot ORDER BY "amount"/);
  });

  it('tryRunQuery never throws for bad queries', () => {
    const bad = tryRunQuery('SELEC * FROM orders');
    expect(bad).toEqual({ ok: false, error: 'Expected SELECT at the start of the query, found "SELEC" (at position 1)' });
    const good = tryRunQuery('SELECT COUNT(*) FROM customers');
    expect(good.ok && good.result.rows).toEqual([[120]]);
  });
});
