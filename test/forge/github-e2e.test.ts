/**
 * The GitHub path end to end through the real pipeline, the way `loopwright run` drives it: config
 * from env (a planted token, the fake API, the repo behind the token-checking git server), the
 * runtime's composition root, the real sandbox and browser, a replayed model. One ticket becomes
 * one PR whose body links evidence on the `loopwright-evidence` branch and whose head holds exactly
 * the proven tree; a retried ticket adopts that PR instead of pushing again or opening another; a
 * 502 on PR creation is retried; the token leaks nowhere.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRuntime, type Runtime } from '../../src/cli/runtime.ts';
import { loadConfig } from '../../src/config/load.ts';
import { isTerminal, type Ticket } from '../../src/core/ticket.ts';
import { EVIDENCE_BRANCH } from '../../src/forge/github.ts';
import { runTicket } from '../../src/tickets/pipeline.ts';
import { startGitHttpServer, type GitHttpServer } from '../fakes/github/git-http.ts';
import { TOKEN } from '../fakes/github/harness.ts';
import { filesContaining, objectsContaining, sh } from '../fakes/github/repos.ts';
import { serverError, startFakeGitHub, type FakeGitHub } from '../fakes/github/server.ts';
import { memoryLogger } from '../fakes/github/setup.ts';
import { dbTemplateEnv } from '../helpers/db-template.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIX = path.join(ROOT, 'test/cli/fixtures');
const REQUEST = 'Show Saved on the page';
const AUTHOR = { name: 'Loopwright Bot', email: 'bot@loopwright.example' };

/** The GitHub side: `<root>/git/acme/tiny.git`, bare, seeded from the fixture app. */
function seedBareRepo(root: string): string {
  const bare = path.join(root, 'git', 'acme', 'tiny.git');
  mkdirSync(bare, { recursive: true });
  sh(bare, 'init', '-q', '--bare', '-b', 'main');
  const seed = path.join(root, 'seed');
  cpSync(path.join(FIX, 'tiny-app'), seed, { recursive: true });
  sh(seed, 'init', '-q', '-b', 'main');
  sh(seed, 'add', '-A');
  sh(seed, 'commit', '-q', '-m', 'initial');
  sh(seed, 'push', '-q', bare, 'main');
  return bare;
}

describe('GitHub end to end: a ticket through the pipeline to one PR', () => {
  let root: string;
  let bare: string;
  let home: string;
  let api: FakeGitHub;
  let gitServer: GitHttpServer;
  let rt: Runtime;
  const logs = memoryLogger();

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'lw-gh-e2e-'));
    home = path.join(root, 'home');
    bare = seedBareRepo(root);
    api = await startFakeGitHub({ owner: 'acme', repo: 'tiny', tokens: [TOKEN], bareRepo: bare });
    gitServer = await startGitHttpServer({ root: path.join(root, 'git'), accepts: (t) => api.tokens.has(t) });

    const config = loadConfig({
      cwd: root,
      env: {
        ...dbTemplateEnv(),
        GITHUB_TOKEN: TOKEN,
        GITHUB_API_URL: api.url,
        LOOPWRIGHT_GITHUB_REPO: 'acme/tiny',
        LOOPWRIGHT_REPO: `${gitServer.url}/acme/tiny.git`,
        LOOPWRIGHT_TRAJECTORY: path.join(FIX, 'tiny-saved.jsonl'),
        LOOPWRIGHT_HOME: home,
        LOOPWRIGHT_TARGET: 'tiny',
        LOOPWRIGHT_PUBLIC_URL: 'https://loopwright.example',
      },
      flags: { gitAuthorName: AUTHOR.name, gitAuthorEmail: AUTHOR.email },
    });
    rt = await openRuntime(config, { log: logs.log });
  }, 60_000);

  afterAll(async () => {
    await rt?.close();
    await gitServer?.close();
    await api?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** Trusted git dirs the forge published from, with the files holding the token right after publishing. */
  const published: { dir: string; leaks: string[] }[] = [];

  /**
   * As `loopwright run` does: run in-process, retrying here what the queue would retry. The forge
   * is the runtime's; publish is only observed, to check the pushed tree and grep the git dir.
   */
  async function runHere(id: string): Promise<Ticket> {
    const deps = { ...rt.pipeline(), store: rt.tickets.store };
    const forge = deps.forge;
    deps.forge = {
      ...forge,
      async publish(input) {
        try {
          const result = await forge.publish(input);
          // What is published is what was proven: the branch head holds exactly the change's tree.
          expect(sh(bare, 'rev-parse', `refs/heads/${input.branch}^{tree}`)).toBe(input.change.tree);
          expect(sh(bare, 'rev-parse', `refs/heads/${input.branch}`)).toBe(result.commit);
          return result;
        } finally {
          const basic = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');
          const dir = input.change.gitDir;
          published.push({ dir, leaks: [TOKEN, basic].flatMap((n) => filesContaining(dir, n)) });
        }
      },
    };
    for (let attempt = 1; attempt <= 3; attempt++) {
      const result = await runTicket(deps, id);
      if (!result.retry || isTerminal(result.ticket.status)) return result.ticket;
    }
    return (await rt.tickets.store.get(id))!;
  }

  const submit = async (text: string) =>
    (
      await rt.tickets.store.submit(
        { target: 'tiny', request: { text, source: 'cli', requester: 'ana' } },
        { enqueue: false },
      )
    ).ticket;

  const diag = (t: Ticket) => `${JSON.stringify(t.error)}\n${logs.lines.join('').slice(-3000)}`;
  let ticket: Ticket;

  it('opens exactly one PR whose body links the evidence branch, with evidence kept out of the diff', async () => {
    expect(rt.localForge).toBeUndefined(); // GitHub was chosen from config
    const submitted = await submit(`${REQUEST}\nso people know their change stuck`);
    ticket = await runHere(submitted.id);
    expect(ticket.status, diag(ticket)).toBe('pr_opened');
    const id = ticket.id;

    // Exactly one PR on the fake, the ticket points at it.
    expect(api.pulls).toHaveLength(1);
    const pull = api.pulls[0]!;
    expect(ticket.pr).toMatchObject({ number: pull.number, branch: pull.head, draft: false });
    expect(ticket.pr!.url).toBe(`${new URL(api.url).origin}/acme/tiny/pull/${pull.number}`);
    expect(pull).toMatchObject({ base: 'main', state: 'open', draft: false });

    // The branch on the bare repo: one commit with the trailer, by the configured author.
    const branchRef = `refs/heads/${pull.head}`;
    expect(sh(bare, 'rev-list', '--count', `main..${branchRef}`)).toBe('1');
    const message = sh(bare, 'log', '-1', '--format=%B', branchRef);
    expect(message).toMatch(new RegExp(`^Loopwright-Ticket: ${id}$`, 'm'));
    expect(message).toMatch(/^Loopwright-Attempt: 1$/m);
    expect(message.split('\n')[0]).toBe('Show Saved on the page');
    expect(sh(bare, 'log', '-1', '--format=%an <%ae>|%cn <%ce>', branchRef)).toBe(
      `${AUTHOR.name} <${AUTHOR.email}>|${AUTHOR.name} <${AUTHOR.email}>`,
    );
    // The PR's diff is the change only: no evidence file, no evidence branch history.
    expect(sh(bare, 'diff', '--name-only', `main...${branchRef}`)).toBe('index.html');
    expect(sh(bare, 'show', `${branchRef}:index.html`)).toContain('<p role="status">Saved</p>');

    // The evidence branch holds the ticket's directory: manifest, GIF, screenshots.
    const evRef = `refs/heads/${EVIDENCE_BRANCH}`;
    const evFiles = sh(bare, 'ls-tree', '-r', '--name-only', evRef).split('\n');
    expect(evFiles).toContain(`${id}/manifest.json`);
    expect(evFiles.some((f) => f.startsWith(`${id}/`) && f.endsWith('.gif'))).toBe(true);
    const pngs = evFiles.filter((f) => f.startsWith(`${id}/`) && f.endsWith('.png'));
    expect(pngs.length).toBeGreaterThan(0);
    expect(() => sh(bare, 'merge-base', 'main', evRef)).toThrow(); // orphan
    expect(JSON.parse(sh(bare, 'show', `${evRef}:${id}/manifest.json`))).toBeTypeOf('object');

    // The body: request quote, plan checklist, images on the evidence branch, video, the test.
    const body = pull.body;
    expect(body).toContain(`> ${REQUEST}`);
    expect(body).toContain('> so people know their change stuck');
    expect(body).toContain(`[ticket ${id}](https://loopwright.example/tickets/${id})`);
    expect(body).toMatch(/^- \[x\] Open `\/`/m);
    expect(body).toMatch(/^- \[x\] Expect text "Saved" to be visible/m);
    const blob = `${new URL(api.url).origin}/acme/tiny/blob/${EVIDENCE_BRANCH}/${id}/`;
    const images = [...body.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
    expect(images.length).toBeGreaterThan(0);
    for (const src of images) {
      expect(src.startsWith(blob), src).toBe(true);
      expect(src.endsWith('?raw=true'), src).toBe(true);
      // Every image it links was published.
      expect(evFiles).toContain(`${id}/${src.slice(blob.length, -'?raw=true'.length)}`);
    }
    expect(images.some((s) => s.includes('.gif?raw=true'))).toBe(true);
    const videos = [...body.matchAll(/\]\(([^)\s]+\.webm)\)/g)].map((m) => m[1]!);
    expect(videos.length).toBeGreaterThan(0);
    for (const v of videos) expect(v.startsWith(blob), v).toBe(true);
    expect(body).toMatch(/<details>\s*<summary>[^<]*Playwright[^<]*<\/summary>/i);
    expect(body).toMatch(/```ts[\s\S]*@playwright\/test[\s\S]*```/);
    // Every link into the evidence branch (video, trace, manifest too) names a published file.
    const links = [...body.matchAll(/\]\((http[^)\s]+)\)/g)]
      .map((m) => m[1]!)
      .filter((u) => u.startsWith(blob));
    for (const u of links)
      expect(evFiles, u).toContain(`${id}/${u.slice(blob.length).replace(/\?raw=true$/, '')}`);

    // Git traffic went through the token-checking server, and was authorized.
    expect(gitServer.requests.some((r) => r.method === 'POST' && r.path.endsWith('git-receive-pack'))).toBe(
      true,
    );
    expect(gitServer.requests.filter((r) => !r.authorized && r.hadCredential)).toEqual([]);
    expect(api.violations).toEqual([]);
  }, 120_000);

  it('a retried ticket adopts what it published instead of pushing or opening another PR', async () => {
    const id = ticket.id;
    const before = api.pulls[0]!;
    const creates = api.callsOf('pulls/create').length;
    const publishes = published.length;
    const head = sh(bare, 'rev-parse', `refs/heads/${before.head}`);
    // The PR opened, then the run did not settle (the worker died); an operator retries it.
    await rt.tickets.store.update(id, {
      status: 'failed',
      error: { code: 'internal', message: 'worker lost' },
    });
    await rt.tickets.store.retry(id);
    const again = await runHere(id);
    expect(again.status, diag(again)).toBe('pr_opened');
    expect(again.run).toBeGreaterThan(1); // a new attempt ran, and adopted the first one's push
    expect(again.pr).toEqual(ticket.pr);
    expect(again.published).toMatchObject({ commit: head, run: 1 });
    expect(published).toHaveLength(publishes);
    expect(api.pulls).toHaveLength(1);
    expect(api.callsOf('pulls/create')).toHaveLength(creates);
    expect(api.pulls[0]!.number).toBe(before.number);
    expect(sh(bare, 'rev-parse', `refs/heads/${before.head}`)).toBe(head);
    expect(api.violations).toEqual([]);
  }, 120_000);

  it('retries a 502 on PR creation and still opens exactly one PR', async () => {
    api.queue('pulls/create', serverError(502));
    const creates = api.callsOf('pulls/create').length;
    const t = await runHere((await submit('Show Saved on the page, again')).id);
    expect(t.status, diag(t)).toBe('pr_opened');
    expect(api.callsOf('pulls/create')).toHaveLength(creates + 2);
    expect(t.attempts).toBe(1); // retried by the client, not by running the ticket again
    const mine = api.pulls.filter((p) => p.head === t.pr!.branch);
    expect(mine).toHaveLength(1);
    expect(api.pulls).toHaveLength(2);
    expect(t.pr!.number).toBe(mine[0]!.number);
    expect(api.violations).toEqual([]);
  }, 120_000);

  it('leaks the planted token nowhere', async () => {
    const basic = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');
    const tickets = await rt.tickets.store.list({});
    expect(tickets.length).toBe(2);
    const timelines = await Promise.all(tickets.map((t) => rt.tickets.store.timeline(t.id)));
    // Two publishes (the first ticket, the 502 ticket; the retry adopted), from the trusted git dir.
    expect(published).toHaveLength(2);
    for (const p of published) expect(p.leaks, p.dir).toEqual([]);
    for (const needle of [TOKEN, basic]) {
      expect(filesContaining(home, needle)).toEqual([]);
      expect(filesContaining(path.join(root, 'git'), needle)).toEqual([]);
      expect(objectsContaining(bare, needle)).toBe(false);
      expect(logs.lines.join('')).not.toContain(needle);
      expect(JSON.stringify(tickets)).not.toContain(needle);
      expect(JSON.stringify(timelines)).not.toContain(needle);
      expect(JSON.stringify(api.calls.map((c) => [c.path, c.query, c.body]))).not.toContain(needle);
      expect(JSON.stringify(api.pulls)).not.toContain(needle);
      expect(JSON.stringify(gitServer.requests)).not.toContain(needle);
    }
  });
});

describe('GitHub App auth through the runtime', () => {
  let root: string | undefined;
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    if (root) rmSync(root, { recursive: true, force: true });
  });

  // With App auth there is no token until one is minted: the sandbox's first clone must mint it.
  it('clones the repo for a fresh process’s first sandbox with a minted installation token', async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'lw-gh-app-'));
    const bare = seedBareRepo(root);
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const api = await startFakeGitHub({
      owner: 'acme',
      repo: 'tiny',
      tokens: [],
      bareRepo: bare,
      app: {
        id: '4242',
        installationId: 77,
        publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      },
    });
    closers.push(() => api.close());
    const gitServer = await startGitHttpServer({
      root: path.join(root, 'git'),
      accepts: (t) => api.tokens.has(t),
    });
    closers.push(() => gitServer.close());
    const config = loadConfig({
      cwd: root,
      env: {
        ...dbTemplateEnv(),
        GITHUB_APP_ID: '4242',
        GITHUB_APP_PRIVATE_KEY: privateKey
          .export({ type: 'pkcs1', format: 'pem' })
          .toString()
          .replace(/\n/g, '\\n'),
        GITHUB_APP_INSTALLATION_ID: '77',
        GITHUB_API_URL: api.url,
        LOOPWRIGHT_GITHUB_REPO: 'acme/tiny',
        LOOPWRIGHT_REPO: `${gitServer.url}/acme/tiny.git`,
        LOOPWRIGHT_TRAJECTORY: path.join(FIX, 'tiny-saved.jsonl'),
        LOOPWRIGHT_HOME: path.join(root, 'home'),
        LOOPWRIGHT_TARGET: 'tiny',
        LOOPWRIGHT_POOL_SIZE: '0',
      },
    });
    const rt = await openRuntime(config, { log: memoryLogger().log });
    closers.push(() => rt.close());
    expect(rt.localForge).toBeUndefined();
    const sandbox = await rt.pipeline().sandboxes.acquire({ ticketId: 't_app', branch: 'loopwright/t_app' });
    closers.push(() => sandbox.teardown({ keep: false }));
    expect(sandbox.baseCommit).toBe(sh(bare, 'rev-parse', 'main'));
    expect(api.callsOf('apps/create-installation-access-token')).toHaveLength(1);
    expect(gitServer.requests.length).toBeGreaterThan(0);
    expect(gitServer.requests.every((r) => r.authorized)).toBe(true);
  }, 60_000);
});
