/**
 * The slice of GitHub's published REST description in test/fixtures/github-openapi.json (made by
 * scripts/gen-github-fixture.ts): route matching, a small JSON-schema check (types, required,
 * enums, items, any/one/allOf) for parameters and bodies, and skeleton responses of the documented
 * shape.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface Schema {
  type?: string | string[];
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  nullable?: boolean;
  format?: string;
  additionalProperties?: boolean | Schema;
}

export interface Operation {
  operationId: string;
  method: string;
  path: string;
  parameters: { name: string; in: string; required: boolean; schema?: Schema }[];
  requestBody?: { required: boolean; schema: Schema };
  responses: Record<string, Schema>;
}

export interface Fixture {
  source: string;
  operations: Operation[];
}

export function loadFixture(): Fixture {
  const file = path.resolve(import.meta.dirname, '..', '..', 'fixtures', 'github-openapi.json');
  return JSON.parse(readFileSync(file, 'utf8')) as Fixture;
}

export interface RouteMatch {
  op: Operation;
  params: Record<string, string>;
}

export function matchRoute(ops: Operation[], method: string, pathname: string): RouteMatch | undefined {
  for (const op of ops) {
    if (op.method !== method.toLowerCase()) continue;
    const names: string[] = [];
    const re = new RegExp(
      `^${op.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, n: string) => (names.push(n), '([^/]+)'))}$`,
    );
    const m = re.exec(pathname);
    if (m)
      return { op, params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1] ?? '')])) };
  }
  return undefined;
}

const typeOf = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v;

/** Errors of `value` against `schema`, as `path: problem` strings; empty when valid. */
export function checkSchema(schema: Schema | undefined, value: unknown, at = '$'): string[] {
  if (!schema) return [];
  if (value === null && schema.nullable) return [];
  if (schema.allOf) return schema.allOf.flatMap((s) => checkSchema(s, value, at));
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = schema[key];
    if (options && !options.some((s) => checkSchema(s, value, at).length === 0)) {
      return [`${at}: matches none of ${key}`];
    }
  }
  const errors: string[] = [];
  if (schema.type) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const actual = typeOf(value);
    const ok = types.some((t) => t === actual || (t === 'number' && actual === 'integer'));
    if (!ok) return [`${at}: expected ${types.join('|')}, got ${actual}`];
  }
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${at}: ${JSON.stringify(value)} not in enum`);
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const name of schema.required ?? []) if (!(name in obj)) errors.push(`${at}.${name}: required`);
    for (const [name, sub] of Object.entries(schema.properties ?? {})) {
      if (name in obj && obj[name] !== undefined)
        errors.push(...checkSchema(sub, obj[name], `${at}.${name}`));
    }
    if (schema.additionalProperties === false) {
      for (const name of Object.keys(obj))
        if (!schema.properties?.[name]) errors.push(`${at}.${name}: not allowed`);
    }
  }
  if (Array.isArray(value) && schema.items)
    value.forEach((v, i) => errors.push(...checkSchema(schema.items, v, `${at}[${i}]`)));
  return errors;
}

/** Query and path values arrive as strings: coerce by the declared type before checking. */
export function coerceParam(schema: Schema | undefined, raw: string): unknown {
  const type = Array.isArray(schema?.type) ? schema?.type[0] : schema?.type;
  if (type === 'integer' || type === 'number') return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  if (type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  return raw;
}

/** Checks a request's parameters and body against its operation. */
export function checkRequest(match: RouteMatch, query: URLSearchParams, body: unknown): string[] {
  const errors: string[] = [];
  for (const p of match.op.parameters) {
    const raw =
      p.in === 'path'
        ? match.params[p.name]
        : p.in === 'query'
          ? (query.get(p.name) ?? undefined)
          : undefined;
    if (p.in !== 'path' && p.in !== 'query') continue;
    if (raw === undefined) {
      if (p.required) errors.push(`${p.in} parameter ${p.name}: required`);
      continue;
    }
    errors.push(...checkSchema(p.schema, coerceParam(p.schema, raw), `${p.in}.${p.name}`));
  }
  const known = new Set(match.op.parameters.filter((p) => p.in === 'query').map((p) => p.name));
  for (const name of query.keys())
    if (!known.has(name)) errors.push(`query parameter ${name}: not in the operation`);
  if (match.op.requestBody) {
    if (body === undefined) {
      if (match.op.requestBody.required) errors.push('body: required');
    } else errors.push(...checkSchema(match.op.requestBody.schema, body, 'body'));
  } else if (body !== undefined && match.op.method !== 'get') {
    errors.push('body: the operation takes none');
  }
  return errors;
}

/** A value of the schema's shape with every required property filled: the skeleton of a response. */
export function skeleton(schema: Schema | undefined, depth = 0): unknown {
  if (!schema || depth > 14) return {};
  if (schema.allOf) {
    return Object.assign({}, ...schema.allOf.map((s) => skeleton(s, depth + 1) as object));
  }
  const choice = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  if (choice) return skeleton(choice, depth + 1);
  if (schema.enum) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (schema.nullable && type !== 'object' && type !== 'array') return null;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const name of schema.required ?? []) out[name] = skeleton(schema.properties?.[name], depth + 1);
      return out;
    }
    case 'array':
      return [];
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return false;
    case 'string':
      if (schema.format === 'date-time') return '2024-01-01T00:00:00Z';
      if (schema.format === 'uri') return 'https://example.invalid/';
      return '';
    default:
      return schema.properties ? skeleton({ ...schema, type: 'object' }, depth) : null;
  }
}

/** Deep merge of `over` onto `base` (objects merged, everything else replaced). */
export function overlay<T>(base: unknown, over: T): T {
  if (
    !base ||
    typeof base !== 'object' ||
    Array.isArray(base) ||
    !over ||
    typeof over !== 'object' ||
    Array.isArray(over)
  ) {
    return over;
  }
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over as Record<string, unknown>)) out[k] = overlay(out[k], v);
  return out as T;
}
