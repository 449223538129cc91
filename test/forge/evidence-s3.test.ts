import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openRuntime } from '../../src/cli/runtime.ts';
import { loadConfig } from '../../src/config/load.ts';
import { CodedError, ErrorCode } from '../../src/core/errors.ts';
import { redact } from '../../src/core/redact.ts';
import {
  createS3EvidenceStore,
  s3EvidenceConfigOf,
  withEvidenceStore,
  type S3EvidenceConfig,
  type S3EvidenceStore,
} from '../../src/forge/evidence-s3.ts';
import type { Forge, PublishInput, PublishResult } from '../../src/forge/types.ts';
import type { PullRequestRef } from '../../src/core/ticket.ts';
import { memoryLogger } from '../fakes/github/setup.ts';
import { startFakeS3, type FakeS3 } from '../fakes/s3/server.ts';

const BUCKET = 'evidence';
const ACCESS_KEY = 'AKIDFAKEEVIDENCE0001';
const SECRET_KEY = 'fakeSecretKey/q8Zr1T7vXw2yB4nM6pK9sD3fG5hJ0lA';
const MB = 1024 * 1024;

let s3: FakeS3;
let dir: string;
const stores: S3EvidenceStore[] = [];

const files: Record<string, Buffer> = {
  'manifest.json': Buffer.from('{"ticket":"T-1","verdict":"pass"}\n'),
  'proof.gif': Buffer.from('GIF89a-fake-animation'),
  'screenshots/after 1.png': Buffer.from('\x89PNG-fake-image'),
  'head.webm': Buffer.alloc(2048, 7),
  'notes.txt': Buffer.from('plain notes'),
};

function store(extra: Partial<S3EvidenceConfig> = {}): S3EvidenceStore {
  const s = createS3EvidenceStore({
    bucket: BUCKET,
    endpoint: s3.url,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    ...extra,
  });
  stores.push(s);
  return s;
}

beforeAll(async () => {
  s3 = await startFakeS3({ bucket: BUCKET, accessKeyId: ACCESS_KEY });
  dir = await mkdtemp(path.join(os.tmpdir(), 'lw-s3-evidence-'));
  await writeFile(path.join(dir, 'manifest.json'), files['manifest.json']!);
  await writeFile(path.join(dir, 'proof.gif'), files['proof.gif']!);
  await writeFile(path.join(dir, 'head.webm'), files['head.webm']!);
  await writeFile(path.join(dir, 'notes.txt'), files['notes.txt']!);
  const shots = path.join(dir, 'screenshots');
  await import('node:fs/promises').then((fs) => fs.mkdir(shots));
  await writeFile(path.join(shots, 'after 1.png'), files['screenshots/after 1.png']!);
});

afterEach(() => {
  s3.calls.length = 0;
  s3.objects.clear();
});

afterAll(async () => {
  for (const s of stores) s.close();
  await s3.close();
  await rm(dir, { recursive: true, force: true });
});

function assertNoSecretLeaked(urls: Record<string, string>): void {
  expect(s3.calls.length).toBeGreaterThan(0);
  for (const call of s3.calls) {
    expect(JSON.stringify(call.headers)).not.toContain(SECRET_KEY);
    expect(call.url).not.toContain(SECRET_KEY);
    expect(call.body.includes(SECRET_KEY)).toBe(false);
  }
  for (const url of Object.values(urls)) {
    expect(url).not.toContain(SECRET_KEY);
    expect(url).not.toContain(encodeURIComponent(SECRET_KEY));
  }
}

describe('S3 evidence store', () => {
  it('uploads each file under <prefix><ticket>/<rel> with its content type, signed', async () => {
    const urls = await store().publish('T-1', dir, Object.keys(files));
    expect(Object.keys(urls).sort()).toEqual(Object.keys(files).sort());
    expect([...s3.objects.keys()].sort()).toEqual(
      Object.keys(files)
        .map((f) => `loopwright/T-1/${f}`)
        .sort(),
    );
    const type = (rel: string) => s3.objects.get(`loopwright/T-1/${rel}`)?.contentType;
    expect(type('manifest.json')).toBe('application/json');
    expect(type('proof.gif')).toBe('image/gif');
    expect(type('screenshots/after 1.png')).toBe('image/png');
    expect(type('head.webm')).toBe('video/webm');
    expect(type('notes.txt')).toBe('text/plain; charset=utf-8');
    for (const [rel, bytes] of Object.entries(files))
      expect(s3.objects.get(`loopwright/T-1/${rel}`)?.body.equals(bytes)).toBe(true);
    const puts = s3.calls.filter((c) => c.method === 'PUT');
    expect(puts).toHaveLength(5);
    for (const put of puts) {
      expect(put.url.startsWith(`/${BUCKET}/loopwright/T-1/`)).toBe(true); // path-style
      expect(put.headers.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${ACCESS_KEY}/`));
    }
    assertNoSecretLeaked(urls);
  });

  it('returns presigned GET URLs valid 7 days that fetch the same bytes', async () => {
    const urls = await store().publish('T-2', dir, Object.keys(files));
    for (const [rel, bytes] of Object.entries(files)) {
      const url = new URL(urls[rel]!);
      expect(url.searchParams.get('X-Amz-Expires')).toBe('604800');
      expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    }
    // The fake really refuses an unsigned read, so the signature is what opened them.
    const unsigned = await fetch(`${s3.url}/${BUCKET}/loopwright/T-2/manifest.json`);
    expect(unsigned.status).toBe(403);
    assertNoSecretLeaked(urls);
  });

  it('builds URLs on a public base URL that fetch the same bytes', async () => {
    const open = await startFakeS3({ bucket: BUCKET, accessKeyId: ACCESS_KEY, publicRead: true });
    try {
      const s = createS3EvidenceStore({
        bucket: BUCKET,
        endpoint: open.url,
        prefix: 'ev/',
        publicUrl: `${open.url}/${BUCKET}/`,
        credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
      });
      stores.push(s);
      const urls = await s.publish('T-3', dir, Object.keys(files));
      expect(urls['screenshots/after 1.png']).toBe(`${open.url}/${BUCKET}/ev/T-3/screenshots/after%201.png`);
      for (const [rel, bytes] of Object.entries(files)) {
        expect(urls[rel]).not.toContain('X-Amz-');
        const res = await fetch(urls[rel]!);
        expect(res.status).toBe(200);
        expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
      }
      const link = s.linker('T-3', urls);
      expect(link('./proof.gif')).toBe(urls['proof.gif']);
      expect(link('missing.webm')).toBe(urls['manifest.json']);
    } finally {
      await open.close();
    }
  });

  it('skips the largest file beyond the 25 MB cap', async () => {
    const big = await mkdtemp(path.join(os.tmpdir(), 'lw-s3-cap-'));
    try {
      await writeFile(path.join(big, 'manifest.json'), '{}');
      await writeFile(path.join(big, 'a.webm'), Buffer.alloc(9 * MB, 1));
      await writeFile(path.join(big, 'b.webm'), Buffer.alloc(10 * MB, 2));
      await writeFile(path.join(big, 'c.webm'), Buffer.alloc(11 * MB, 3));
      const result = await store().publishDetailed('T-4', big, [
        'manifest.json',
        'a.webm',
        'b.webm',
        'c.webm',
      ]);
      expect(Object.keys(result.urls).sort()).toEqual(['a.webm', 'b.webm', 'manifest.json']);
      expect(result.skipped).toEqual([{ path: 'c.webm', reason: 'over the 25 MB evidence cap' }]);
      expect(s3.objects.has('loopwright/T-4/c.webm')).toBe(false);
      expect(s3.objects.get('loopwright/T-4/b.webm')?.body.length).toBe(10 * MB);
      // The pipeline links the skipped file somewhere PR readers can still open.
      expect(store().linker('T-4', result.urls)('c.webm')).toBe(result.urls['manifest.json']);
    } finally {
      await rm(big, { recursive: true, force: true });
    }
  });

  it('lets the SDK retry a 500, and fails with a coded error when it persists', async () => {
    s3.failNext('PUT', 500);
    const urls = await store().publish('T-5', dir, ['manifest.json']);
    const puts = s3.calls.filter((c) => c.method === 'PUT');
    expect(puts.map((c) => c.status)).toEqual([500, 200]);
    expect(s3.objects.get('loopwright/T-5/manifest.json')?.body.equals(files['manifest.json']!)).toBe(true);
    expect(urls['manifest.json']).toContain('/loopwright/T-5/manifest.json');

    s3.calls.length = 0;
    s3.failNext('PUT', 503, 2);
    const error = await store({ maxAttempts: 2 })
      .publish('T-6', dir, ['manifest.json'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodedError);
    expect((error as CodedError).code).toBe(ErrorCode.PublishFailed);
    expect((error as CodedError).retryable).toBe(true);
    expect(s3.calls.map((c) => c.status)).toEqual([503, 503]);
    assertNoSecretLeaked(urls);
  });

  it('refuses an unsafe ticket id and registers the secret for redaction', async () => {
    await expect(store().publish('../x', dir, ['manifest.json'])).rejects.toMatchObject({
      code: ErrorCode.BadRequest,
    });
    expect(s3.calls).toHaveLength(0);
    expect(redact(`key=${SECRET_KEY}`)).toBe('key=[redacted]');
  });
});

describe('wiring', () => {
  it('reads the bucket settings from the environment, with defaults', () => {
    const env = {
      LOOPWRIGHT_EVIDENCE_S3_BUCKET: 'b',
      LOOPWRIGHT_EVIDENCE_S3_ENDPOINT: 'http://127.0.0.1:9000',
    };
    const config = loadConfig({ env, cwd: dir });
    expect(s3EvidenceConfigOf(config)).toMatchObject({
      bucket: 'b',
      endpoint: 'http://127.0.0.1:9000',
      region: 'us-east-1',
      prefix: 'loopwright/',
      publicUrl: undefined,
    });
    expect(s3EvidenceConfigOf(loadConfig({ env: {}, cwd: dir }))).toBeUndefined();
  });

  it('replaces only the forge’s evidence hosting, keeping the rest (and class internals) working', async () => {
    class PrivateForge implements Forge {
      readonly kind = 'github' as const;
      readonly client = { marker: 'octokit' };
      #url = '/srv/repo.git';
      cloneUrl(): string {
        return this.#url;
      }
      gitEnv(): Record<string, string> {
        return {};
      }
      publish(_input: PublishInput): Promise<PublishResult> {
        throw new Error('not used');
      }
      findPullRequest(): Promise<PullRequestRef | undefined> {
        return Promise.resolve(undefined);
      }
      publishEvidence(): Promise<Record<string, string>> {
        throw new Error('the evidence branch must not be used');
      }
    }
    const wrapped = withEvidenceStore(new PrivateForge(), store());
    expect(wrapped.kind).toBe('github');
    expect(wrapped.client.marker).toBe('octokit');
    expect(wrapped.cloneUrl()).toBe('/srv/repo.git');
    const urls = await wrapped.publishEvidence!('T-7', dir, ['proof.gif']);
    expect(s3.objects.has('loopwright/T-7/proof.gif')).toBe(true);
    expect(wrapped.evidenceLinker!('T-7', urls)('proof.gif')).toBe(urls['proof.gif']);
  });

  it('gives the local forge S3 evidence when a bucket is set, with the SDK’s env credentials', async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), 'lw-s3-runtime-'));
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = ACCESS_KEY;
    process.env.AWS_SECRET_ACCESS_KEY = SECRET_KEY;
    try {
      const config = loadConfig({
        cwd: home,
        env: {
          LOOPWRIGHT_HOME: home,
          LOOPWRIGHT_POOL_SIZE: '0',
          LOOPWRIGHT_EVIDENCE_S3_BUCKET: BUCKET,
          LOOPWRIGHT_EVIDENCE_S3_ENDPOINT: s3.url,
          LOOPWRIGHT_EVIDENCE_S3_PREFIX: 'rt/',
        },
      });
      const rt = await openRuntime(config, { log: memoryLogger().log, scriptedFallback: true });
      try {
        expect(rt.forge.kind).toBe('local');
        expect(rt.localForge).toBeDefined();
        const urls = await rt.pipeline().forge.publishEvidence!('T-8', dir, ['manifest.json']);
        expect(s3.objects.get('rt/T-8/manifest.json')?.body.equals(files['manifest.json']!)).toBe(true);
        const res = await fetch(urls['manifest.json']!);
        expect(Buffer.from(await res.arrayBuffer()).equals(files['manifest.json']!)).toBe(true);
        assertNoSecretLeaked(urls);
      } finally {
        await rt.close();
      }
    } finally {
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      else process.env.AWS_ACCESS_KEY_ID = saved.id;
      if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
      else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
      await rm(home, { recursive: true, force: true });
    }
  }, 60_000);
});
