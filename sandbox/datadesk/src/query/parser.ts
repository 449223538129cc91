import { AGGREGATES, type AggregateFn, type ComparisonOp, type Condition, type Operand, type OrderBy, type SelectItem, type SelectQuery } from './ast';
import { QueryError } from './errors';
import { tokenize, type Token, type TokenType } from './tokenizer';

/**
 * Recursive-descent parser for the Datadesk SQL subset:
 *   SELECT items FROM table [WHERE cond] [GROUP BY col] [ORDER BY key [ASC|DESC]] [LIMIT n]
 * where cond is comparisons joined by AND / OR (AND binds tighter) with optional parentheses.
 */
export function parse(input: string): SelectQuery {
  if (input.trim() === '') throw new QueryError('Query is empty. Try: SELECT * FROM orders LIMIT 10');
  return new Parser(tokenize(input)).parseQuery();
}

function describe(token: Token): string {
  switch (token.type) {
    case 'eof': return 'end of query';
    case 'string': return `'${token.value}'`;
    case 'keyword': return token.value;
    default: return `"${token.value}"`;
  }
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)];
  }

  private next(): Token {
    const t = this.peek();
    if (t.type !== 'eof') this.i++;
    return t;
  }

  private isKeyword(word: string): boolean {
    const t = this.peek();
    return t.type === 'keyword' && t.value === word;
  }

  private acceptKeyword(word: string): boolean {
    if (!this.isKeyword(word)) return false;
    this.i++;
    return true;
  }

  private expectKeyword(word: string, context: string): Token {
    const t = this.peek();
    if (!this.isKeyword(word)) throw new QueryError(`Expected ${word} ${context}, found ${describe(t)}`, t.pos);
    return this.next();
  }

  private expect(type: TokenType, what: string): Token {
    const t = this.peek();
    if (t.type !== type) throw new QueryError(`Expected ${what}, found ${describe(t)}`, t.pos);
    return this.next();
  }

  parseQuery(): SelectQuery {
    this.expectKeyword('SELECT', 'at the start of the query');
    const select = this.parseSelectList();
    this.expectKeyword('FROM', 'after the column list');
    const table = this.expect('ident', 'a table name after FROM');
    const query: SelectQuery = { select, from: { name: table.value.toLowerCase(), pos: table.pos } };

    if (this.acceptKeyword('WHERE')) query.where = this.parseOr();
    if (this.acceptKeyword('GROUP')) {
      this.expectKeyword('BY', 'after GROUP');
      const col = this.expect('ident', 'a column name after GROUP BY');
      query.groupBy = { name: col.value, pos: col.pos };
    }
    if (this.acceptKeyword('ORDER')) {
      this.expectKeyword('BY', 'after ORDER');
      query.orderBy = this.parseOrderBy();
    }
    if (this.acceptKeyword('LIMIT')) {
      const n = this.expect('number', 'a number after LIMIT');
      const value = Number(n.value);
      if (!Number.isInteger(value) || value < 0) throw new QueryError('LIMIT must be a whole number of 0 or more', n.pos);
      query.limit = value;
    }
    const rest = this.peek();
    if (rest.type !== 'eof') {
      const hint = rest.type === 'keyword' ? ' (clauses go in the order WHERE, GROUP BY, ORDER BY, LIMIT)' : '';
      throw new QueryError(`Unexpected ${describe(rest)}${hint}`, rest.pos);
    }
    return query;
  }

  private parseSelectList(): SelectItem[] {
    const items: SelectItem[] = [];
    do {
      items.push(this.parseSelectItem());
    } while (this.peek().type === 'comma' && this.next());
    if (items.length > 1 && items.some((item) => item.kind === 'star')) {
      throw new QueryError('* cannot be combined with other columns', items.find((item) => item.kind === 'star')!.pos);
    }
    return items;
  }

  private parseSelectItem(): SelectItem {
    const t = this.peek();
    if (t.type === 'star') {
      this.next();
      return { kind: 'star', pos: t.pos };
    }
    if (t.type !== 'ident') throw new QueryError(`Expected a column name, aggregate or * in SELECT, found ${describe(t)}`, t.pos);
    const item: SelectItem = this.peek(1).type === 'lparen' ? this.parseAggregate() : { kind: 'column', name: this.next().value, pos: t.pos };
    if (this.acceptKeyword('AS')) item.alias = this.expect('ident', 'an alias name after AS').value;
    return item;
  }

  private parseAggregate(): Extract<SelectItem, { kind: 'aggregate' }> {
    const name = this.next();
    const fn = name.value.toUpperCase();
    if (!(AGGREGATES as readonly string[]).includes(fn)) {
      throw new QueryError(`Unknown function ${name.value}(). Supported: ${AGGREGATES.join(', ')}`, name.pos);
    }
    this.expect('lparen', `"(" after ${fn}`);
    const argToken = this.next();
    let arg: string;
    if (argToken.type === 'star') {
      if (fn !== 'COUNT') throw new QueryError(`${fn}(*) is not supported; pass a column, e.g. ${fn}(amount)`, argToken.pos);
      arg = '*';
    } else if (argToken.type === 'ident') {
      arg = argToken.value;
    } else {
      throw new QueryError(`Expected a column name inside ${fn}(), found ${describe(argToken)}`, argToken.pos);
    }
    this.expect('rparen', `")" to close ${fn}(`);
    return { kind: 'aggregate', fn: fn as AggregateFn, arg, pos: name.pos };
  }

  private parseOrderBy(): OrderBy {
    const t = this.peek();
    let key: string;
    if (t.type === 'ident' && this.peek(1).type === 'lparen') {
      const agg = this.parseAggregate();
      key = `${agg.fn}(${agg.arg})`;
    } else {
      key = this.expect('ident', 'a column name after ORDER BY').value;
    }
    let direction: OrderBy['direction'] = 'ASC';
    if (this.acceptKeyword('DESC')) direction = 'DESC';
    else this.acceptKeyword('ASC');
    return { key, direction, pos: t.pos };
  }

  private parseOr(): Condition {
    let left = this.parseAnd();
    while (this.acceptKeyword('OR')) left = { kind: 'or', left, right: this.parseAnd() };
    return left;
  }

  private parseAnd(): Condition {
    let left = this.parseComparison();
    while (this.acceptKeyword('AND')) left = { kind: 'and', left, right: this.parseComparison() };
    return left;
  }

  private parseComparison(): Condition {
    if (this.peek().type === 'lparen') {
      this.next();
      const inner = this.parseOr();
      this.expect('rparen', '")" to close the condition');
      return inner;
    }
    const left = this.parseOperand();
    const opToken = this.peek();
    if (opToken.type !== 'op') {
      throw new QueryError(`Expected a comparison operator (=, !=, <, <=, >, >=), found ${describe(opToken)}`, opToken.pos);
    }
    this.next();
    return { kind: 'compare', left, op: opToken.value as ComparisonOp, right: this.parseOperand() };
  }

  private parseOperand(): Operand {
    const t = this.next();
    if (t.type === 'number') return { kind: 'literal', value: Number(t.value), pos: t.pos };
    if (t.type === 'string') return { kind: 'literal', value: t.value, pos: t.pos };
    if (t.type === 'ident') return { kind: 'column', name: t.value, pos: t.pos };
    throw new QueryError(`Expected a column, number or 'text' in the condition, found ${describe(t)}`, t.pos);
  }
}
