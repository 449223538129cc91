/**
 * A fake GitHub REST API on 127.0.0.1 for the real Octokit client. Every request is checked against
 * GitHub's published description (test/fixtures/github-openapi.json): unknown routes, missing or
 * mistyped parameters and bodies are recorded as violations and answered 422; responses are built
 * on the documented shapes and checked too. Faults (5xx, 422, rate limits) can be queued per
 * operation, and a request can be held unanswered to simulate a worker killed mid-publish.
 */
import { execFileSync } from 'node:child_process';
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  checkRequest,
  checkSchema,
  loadFixture,
  matchRoute,
  overlay,
  skeleton,
  type Operation,
  type Schema,
} from './openapi.ts';
import { graphqlReply } from './graphql.ts';

import { reviewReply, type ReviewBody } from './reviews.ts';
import type { FakeCall, FakeComment, FakePull, FakeReply, FakeReview } from './types.ts';

export * from './types.ts';

/** The request-body fields the fake acts on, across the operations it implements. */
interface RequestBody {
  head: string;
  base: string;
  title?: string;
  body?: string;
  draft?: boolean;
  state?: 'open' | 'closed';
  reviewers?: string[];
  labels?: (string | { name: string })[];
}

export interface FakeGitHubOptions {
  owner: string;
  repo: string;
  /** Tokens accepted as `Authorization: token|bearer <t>`. */
  tokens?: string[];
  /** A GitHub App whose JWTs (RS256, verified with this public key) may mint installation tokens. */
  app?: { id: string; publicKeyPem: string; installationId: number };
  /** The bare repo behind the fake: PR heads must exist there, as on GitHub. */
  bareRepo?: string;
  /** Path prefix of the API, e.g. `/api/v3` to look like GitHub Enterprise. */
  prefix?: string;
}

export interface FakeGitHub {
  url: string;
  calls: FakeCall[];
  violations: string[];
  pulls: FakePull[];
  comments: FakeComment[];
  /** Pull request reviews posted, with their line comments. */
  reviews: FakeReview[];
  /** Tokens currently accepted (includes minted installation tokens); the git server shares it. */
  tokens: Set<string>;
  /** Answer the next request of this operation with `reply` instead (queued, FIFO). */
  queue(operationId: string, ...replies: FakeReply[]): void;
  /** Never answer the next request of this operation; resolves when it arrives. */
  hold(operationId: string): Promise<void>;
  addComment(c: Partial<FakeComment> & { issue_number: number; body: string; login: string }): FakeComment;
  callsOf(operationId: string): FakeCall[];
  close(): Promise<void>;
}

export async function startFakeGitHub(opts: FakeGitHubOptions): Promise<FakeGitHub> {
  const ops = loadFixture().operations;
  const prefix = opts.prefix ?? '';
  const calls: FakeCall[] = [];
  const violations: string[] = [];
  const pulls: FakePull[] = [];
  const comments: FakeComment[] = [];
  const reviews: FakeReview[] = [];
  const tokens = new Set(opts.tokens ?? []);
  const queued = new Map<string, FakeReply[]>();
  const holds = new Map<string, () => void>();
  const sockets = new Set<Socket>();
  let nextNumber = 1;
  let nextCommentId = 1000;
  let url = '';
  const web = () => `${url.replace(prefix, '')}/${opts.owner}/${opts.repo}`;

  const opById = (id: string): Operation => ops.find((o) => o.operationId === id) as Operation;
  const respSchema = (id: string, status: string): Schema | undefined => opById(id).responses[status];
  const itemSchema = (s: Schema | undefined): Schema | undefined => s?.items;

  const userObj = (login: string, type = 'User') =>
    overlay(skeleton(respSchema('issues/create-comment', '201')?.properties?.user), {
      login,
      id: login.length,
      type,
      html_url: `${url}/${login}`,
    });

  function labelObjs(names: string[], schema: Schema | undefined) {
    return names.map((name, i) =>
      overlay(skeleton(itemSchema(schema)), { id: i + 1, name, color: 'ededed' }),
    );
  }

  function pullObj(p: FakePull, schema: Schema | undefined) {
    const sha = headSha(p.head);
    const ref = (r: string, s: string) => ({ ref: r, sha: s, label: `${opts.owner}:${r}` });
    return overlay(skeleton(schema), {
      url: `${url}/repos/${opts.owner}/${opts.repo}/pulls/${p.number}`,
      id: p.number * 10,
      node_id: p.node_id,
      html_url: `${web()}/pull/${p.number}`,
      number: p.number,
      state: p.state,
      title: p.title,
      body: p.body,
      draft: p.draft,
      labels: labelObjs(p.labels, schema?.properties?.labels),
      requested_reviewers: p.reviewers.map((r) => userObj(r)),
      head: ref(p.head, sha),
      base: ref(p.base, headSha(p.base)),
    });
  }

  function commentObj(c: FakeComment) {
    return overlay(skeleton(respSchema('issues/create-comment', '201')), {
      id: c.id,
      node_id: `IC_${c.id}`,
      url: `${url}/repos/${opts.owner}/${opts.repo}/issues/comments/${c.id}`,
      html_url: `${web()}/pull/${c.issue_number}#issuecomment-${c.id}`,
      issue_url: `${url}/repos/${opts.owner}/${opts.repo}/issues/${c.issue_number}`,
      body: c.body,
      user: userObj(c.login, c.type),
      author_association: c.author_association,
      created_at: c.created_at,
      updated_at: c.updated_at,
    });
  }

  function headSha(branch: string): string {
    if (!opts.bareRepo) return '0'.repeat(40);
    try {
      return execFileSync(
        'git',
        ['--git-dir', opts.bareRepo, 'rev-parse', '--verify', '-q', `refs/heads/${branch}`],
        {
          encoding: 'utf8',
        },
      ).trim();
    } catch {
      return '';
    }
  }

  const validationFailed = (errors: unknown[]): FakeReply => ({
    status: 422,
    body: { message: 'Validation Failed', errors, documentation_url: 'https://docs.github.com/rest' },
  });

  /** The state-changing behaviour of each operation (the body is already checked against its schema). */
  function handle(
    id: string,
    params: Record<string, string>,
    query: URLSearchParams,
    raw: unknown,
  ): FakeReply {
    const body = (raw ?? {}) as RequestBody;
    const find = (n: string) => pulls.find((p) => p.number === Number(n));
    switch (id) {
      case 'pulls/list': {
        const head = query.get('head');
        const state = query.get('state') ?? 'open';
        const items = pulls.filter(
          (p) => (state === 'all' || p.state === state) && (!head || `${opts.owner}:${p.head}` === head),
        );
        const schema = respSchema(id, '200');
        return { status: 200, body: items.map((p) => pullObj(p, itemSchema(schema))) };
      }
      case 'pulls/create': {
        if (pulls.some((p) => p.state === 'open' && p.head === body.head && p.base === body.base)) {
          return validationFailed([
            {
              resource: 'PullRequest',
              code: 'custom',
              message: `A pull request already exists for ${opts.owner}:${body.head}.`,
            },
          ]);
        }
        if (opts.bareRepo && !headSha(body.head)) {
          return validationFailed([{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
        }
        const p: FakePull = {
          number: nextNumber++,
          node_id: `PR_${randomBytes(6).toString('hex')}`,
          title: body.title ?? '',
          body: body.body ?? '',
          head: body.head,
          base: body.base,
          draft: body.draft === true,
          state: 'open',
          labels: [],
          reviewers: [],
        };
        pulls.push(p);
        return { status: 201, body: pullObj(p, respSchema(id, '201')) };
      }
      case 'pulls/get': {
        const p = find(params.pull_number as string);
        return p
          ? { status: 200, body: pullObj(p, respSchema(id, '200')) }
          : { status: 404, body: { message: 'Not Found' } };
      }
      case 'pulls/update': {
        const p = find(params.pull_number as string);
        if (!p) return { status: 404, body: { message: 'Not Found' } };
        if (body.title !== undefined) p.title = body.title;
        if (body.body !== undefined) p.body = body.body;
        if (body.state !== undefined) p.state = body.state;
        if (body.base !== undefined) p.base = body.base;
        return { status: 200, body: pullObj(p, respSchema(id, '200')) };
      }
      case 'pulls/request-reviewers': {
        const p = find(params.pull_number as string);
        if (!p) return { status: 404, body: { message: 'Not Found' } };
        for (const r of body.reviewers ?? []) if (!p.reviewers.includes(r)) p.reviewers.push(r);
        return { status: 201, body: pullObj(p, respSchema(id, '201')) };
      }
      case 'pulls/create-review': {
        const p = find(params.pull_number as string);
        if (!p) return { status: 404, body: { message: 'Not Found' } };
        return reviewReply({
          pull: p,
          body: raw as ReviewBody,
          bareRepo: opts.bareRepo,
          reviews,
          schema: respSchema(id, '200'),
          user: userObj('loopwright[bot]', 'Bot'),
          urls: { api: `${url}/repos/${opts.owner}/${opts.repo}`, web: web() },
        });
      }
      case 'issues/add-labels': {
        const p = find(params.issue_number as string);
        if (!p) return { status: 404, body: { message: 'Not Found' } };
        const names: string[] = Array.isArray(raw)
          ? (raw as string[])
          : (body.labels ?? []).map((l) => (typeof l === 'string' ? l : l.name));
        for (const n of names) if (!p.labels.includes(n)) p.labels.push(n);
        return { status: 200, body: labelObjs(p.labels, respSchema(id, '200')) };
      }
      case 'issues/create-comment': {
        const c = api.addComment({
          issue_number: Number(params.issue_number),
          body: body.body ?? '',
          login: 'loopwright[bot]',
          type: 'Bot',
          author_association: 'NONE',
        });
        return { status: 201, body: commentObj(c) };
      }
      case 'issues/list-comments-for-repo': {
        const since = query.get('since');
        const page = Number(query.get('page') ?? 1);
        const per = Number(query.get('per_page') ?? 30);
        const all = comments.filter((c) => !since || c.updated_at >= since);
        return { status: 200, body: all.slice((page - 1) * per, page * per).map(commentObj) };
      }
      case 'apps/create-installation-access-token': {
        const token = `ghs_${randomBytes(18).toString('hex')}`;
        tokens.add(token);
        return {
          status: 201,
          body: overlay(skeleton(respSchema(id, '201')), {
            token,
            expires_at: new Date(Date.now() + 3_600_000).toISOString(),
            permissions: { contents: 'write', pull_requests: 'write' },
            repository_selection: 'selected',
          }),
        };
      }
      default:
        return { status: 501, body: { message: `fake has no behaviour for ${id}` } };
    }
  }

  function verifyAppJwt(jwt: string): boolean {
    if (!opts.app) return false;
    const [h, p, s] = jwt.split('.');
    if (!h || !p || !s) return false;
    const ok = verify(
      'RSA-SHA256',
      Buffer.from(`${h}.${p}`),
      createPublicKey(opts.app.publicKeyPem),
      Buffer.from(s, 'base64url'),
    );
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as {
      iss?: unknown;
      exp?: number;
    };
    return ok && String(claims.iss) === opts.app.id && (claims.exp ?? 0) * 1000 > Date.now();
  }

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const u = new URL(req.url ?? '/', 'http://fake');
    const send = (r: FakeReply) => {
      res.writeHead(r.status, { 'content-type': 'application/json; charset=utf-8', ...r.headers });
      res.end(r.body === undefined ? '' : JSON.stringify(r.body));
    };
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return send({ status: 400, body: { message: 'Problems parsing JSON' } });
    }
    const pathname = u.pathname.startsWith(prefix) ? u.pathname.slice(prefix.length) : u.pathname;
    const auth = req.headers.authorization ?? '';
    const credential = auth.replace(/^(token|bearer)\s+/i, '');

    if (req.method === 'POST' && (pathname === '/graphql' || u.pathname === '/api/graphql')) {
      calls.push({ operationId: 'graphql', method: 'POST', path: pathname, query: {}, body, at: Date.now() });
      if (!tokens.has(credential)) return send({ status: 401, body: { message: 'Bad credentials' } });
      return send(
        graphqlReply(pulls, body as { query?: string; variables?: Record<string, unknown> }, violations),
      );
    }

    const match = matchRoute(ops, req.method ?? 'GET', pathname);
    if (!match) {
      violations.push(`${req.method} ${pathname}: no such operation in the published description`);
      return send({ status: 404, body: { message: 'Not Found' } });
    }
    const id = match.op.operationId;
    calls.push({
      operationId: id,
      method: req.method ?? '',
      path: pathname,
      query: Object.fromEntries(u.searchParams),
      body,
      at: Date.now(),
    });

    // This fake holds one repository; GitHub answers 404 for a repository it does not have.
    const { owner, repo } = match.params;
    if (owner !== undefined && repo !== undefined && (owner !== opts.owner || repo !== opts.repo))
      return send({ status: 404, body: { message: 'Not Found' } });

    const authorized =
      id === 'apps/create-installation-access-token' ? verifyAppJwt(credential) : tokens.has(credential);
    if (!authorized) return send({ status: 401, body: { message: 'Bad credentials' } });

    const hold = holds.get(id);
    if (hold) {
      holds.delete(id);
      hold();
      return; // never answered
    }
    const fault = queued.get(id)?.shift();
    if (fault) return send(fault);

    const errors = checkRequest(match, u.searchParams, body);
    if (errors.length) {
      violations.push(...errors.map((e) => `${id}: ${e}`));
      return send(validationFailed(errors.map((message) => ({ code: 'invalid', message }))));
    }
    const reply = handle(id, match.params, u.searchParams, body);
    const schema = match.op.responses[String(reply.status)];
    if (reply.status < 300) {
      violations.push(
        ...checkSchema(schema, reply.body, 'response').map((e) => `${id} ${reply.status}: ${e}`),
      );
    }
    send(reply);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${prefix}`;

  const api: FakeGitHub = {
    url,
    calls,
    violations,
    pulls,
    comments,
    reviews,
    tokens,
    queue(id, ...replies) {
      queued.set(id, [...(queued.get(id) ?? []), ...replies]);
    },
    hold(id) {
      return new Promise<void>((resolve) => holds.set(id, resolve));
    },
    addComment(c) {
      const now = new Date().toISOString();
      const comment: FakeComment = {
        id: nextCommentId++,
        type: 'User',
        author_association: 'MEMBER',
        created_at: now,
        updated_at: now,
        ...c,
      };
      comments.push(comment);
      return comment;
    },
    callsOf: (id) => calls.filter((c) => c.operationId === id),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return api;
}
