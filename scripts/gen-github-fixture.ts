/**
 * Generates test/fixtures/github-openapi.json: the slice of GitHub's published REST description
 * (`@octokit/openapi`, api.github.com.deref.json) covering the operations Loopwright calls. The fake
 * GitHub server validates every request against it and shapes its responses after it.
 *
 * Run: node_modules/.bin/node scripts/gen-github-fixture.ts
 *
 * Request schemas are kept whole (minus prose); response schemas keep only their required
 * properties, which is what a client may rely on, so the fixture stays small.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Operations used by src/forge/github*.ts, by path and method. */
export const USED_OPERATIONS: Record<string, string[]> = {
  '/repos/{owner}/{repo}/pulls': ['get', 'post'],
  '/repos/{owner}/{repo}/pulls/{pull_number}': ['get', 'patch'],
  '/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers': ['post'],
  '/repos/{owner}/{repo}/pulls/{pull_number}/reviews': ['post'],
  '/repos/{owner}/{repo}/issues/{issue_number}/labels': ['post'],
  '/repos/{owner}/{repo}/issues/{issue_number}/comments': ['post'],
  '/repos/{owner}/{repo}/issues/comments': ['get'],
  '/app/installations/{installation_id}/access_tokens': ['post'],
};

type Json = Record<string, unknown>;
const KEEP = new Set([
  'type',
  'required',
  'properties',
  'items',
  'enum',
  'anyOf',
  'oneOf',
  'allOf',
  'nullable',
  'additionalProperties',
  'format',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'maxItems',
]);

function prune(schema: unknown, responseMode: boolean, depth = 0): unknown {
  if (!schema || typeof schema !== 'object') return schema;
  if (depth > 12) return {};
  const s = schema as Json;
  const out: Json = {};
  for (const [key, value] of Object.entries(s)) {
    if (!KEEP.has(key)) continue;
    if (key === 'properties') {
      const required = new Set((s.required as string[] | undefined) ?? []);
      const props: Json = {};
      for (const [name, sub] of Object.entries(value as Json)) {
        if (responseMode && !required.has(name)) continue;
        props[name] = prune(sub, responseMode, depth + 1);
      }
      out.properties = props;
    } else if (key === 'items' || (key === 'additionalProperties' && typeof value === 'object')) {
      out[key] = prune(value, responseMode, depth + 1);
    } else if (key === 'anyOf' || key === 'oneOf' || key === 'allOf') {
      out[key] = (value as unknown[]).map((v) => prune(v, responseMode, depth + 1));
    } else {
      out[key] = value;
    }
  }
  return out;
}

export function buildFixture(spec: Json, version: string): Json {
  const paths = spec.paths as Record<string, Record<string, Json>>;
  const operations: Json[] = [];
  for (const [p, methods] of Object.entries(USED_OPERATIONS)) {
    for (const method of methods) {
      const op = paths[p]?.[method];
      if (!op) throw new Error(`${method.toUpperCase()} ${p} is not in the published description`);
      const parameters = ((op.parameters as Json[] | undefined) ?? []).map((param) => ({
        name: param.name,
        in: param.in,
        required: param.required === true,
        schema: prune(param.schema, false),
      }));
      const body = (op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined;
      const requestBody = body?.['application/json']
        ? {
            required: (op.requestBody as Json).required === true,
            schema: prune(body['application/json'].schema, false),
          }
        : undefined;
      const responses: Json = {};
      for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
        const content = response.content as Record<string, Json> | undefined;
        const schema = content?.['application/json']?.schema;
        responses[status] = schema ? prune(schema, true) : {};
      }
      operations.push({ operationId: op.operationId, method, path: p, parameters, requestBody, responses });
    }
  }
  return { source: `@octokit/openapi ${version} generated/api.github.com.deref.json`, operations };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const require = createRequire(import.meta.url);
  const pkgDir = path.dirname(require.resolve('@octokit/openapi/package.json'));
  const version = (JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { version: string })
    .version;
  const spec = JSON.parse(
    readFileSync(path.join(pkgDir, 'generated', 'api.github.com.deref.json'), 'utf8'),
  ) as Json;
  const out = path.resolve(import.meta.dirname, '..', 'test', 'fixtures', 'github-openapi.json');
  writeFileSync(out, `${JSON.stringify(buildFixture(spec, version), null, 1)}\n`);
  console.log(`wrote ${out}`);
}
