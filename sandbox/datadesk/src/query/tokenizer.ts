import { QueryError } from './errors';

export type TokenType = 'keyword' | 'ident' | 'number' | 'string' | 'op' | 'comma' | 'lparen' | 'rparen' | 'star' | 'eof';

export interface Token {
  type: TokenType;
  /** Keywords are upper-cased; identifiers keep their spelling. */
  value: string;
  /** 1-based position of the token's first character. */
  pos: number;
}

export const KEYWORDS = new Set([
  'SELECT', 'FROM', 'WHERE', 'AND', 'OR', 'GROUP', 'ORDER', 'BY', 'ASC', 'DESC', 'LIMIT', 'AS',
]);

const OPERATORS = ['<=', '>=', '!=', '<>', '=', '<', '>'];

const isDigit = (c: string) => c >= '0' && c <= '9';
const isIdentStart = (c: string) => /[A-Za-z_]/.test(c);
const isIdentPart = (c: string) => /[A-Za-z0-9_]/.test(c);

export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const push = (type: TokenType, value: string, start: number) => tokens.push({ type, value, pos: start + 1 });

  while (i < input.length) {
    const c = input[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === '-' && input[i + 1] === '-') {
      // Line comment.
      while (i < input.length && input[i] !== '\n') i++;
      continue;
    }
    const start = i;
    if (c === ',') { push('comma', c, start); i++; continue; }
    if (c === '(') { push('lparen', c, start); i++; continue; }
    if (c === ')') { push('rparen', c, start); i++; continue; }
    if (c === '*') { push('star', c, start); i++; continue; }
    if (c === ';') {
      if (input.slice(i + 1).trim() !== '') throw new QueryError('Only one statement per query is allowed', start + 1);
      break;
    }
    const op = OPERATORS.find((o) => input.startsWith(o, i));
    if (op) { push('op', op === '<>' ? '!=' : op, start); i += op.length; continue; }

    const prev = tokens[tokens.length - 1];
    const negativeAllowed = !prev || prev.type === 'op' || prev.type === 'keyword' || prev.type === 'comma' || prev.type === 'lparen';
    if (isDigit(c) || (c === '-' && negativeAllowed && isDigit(input[i + 1] ?? ''))) {
      i++;
      while (i < input.length && isDigit(input[i])) i++;
      if (input[i] === '.' && isDigit(input[i + 1] ?? '')) {
        i++;
        while (i < input.length && isDigit(input[i])) i++;
      }
      if (i < input.length && isIdentPart(input[i])) throw new QueryError(`Invalid number "${input.slice(start, i + 1)}"`, start + 1);
      push('number', input.slice(start, i), start);
      continue;
    }
    if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= input.length) throw new QueryError('Unterminated string literal: missing closing quote', start + 1);
        if (input[i] === "'") {
          if (input[i + 1] === "'") { value += "'"; i += 2; continue; }
          i++;
          break;
        }
        value += input[i++];
      }
      push('string', value, start);
      continue;
    }
    if (c === '"') throw new QueryError(`Unexpected character '"'. Use single quotes for text, e.g. 'North'`, start + 1);
    if (isIdentStart(c)) {
      while (i < input.length && isIdentPart(input[i])) i++;
      const word = input.slice(start, i);
      const upper = word.toUpperCase();
      if (KEYWORDS.has(upper)) push('keyword', upper, start);
      else push('ident', word, start);
      continue;
    }
    throw new QueryError(`Unexpected character '${c}'`, start + 1);
  }
  tokens.push({ type: 'eof', value: '', pos: input.length + 1 });
  return tokens;
}
