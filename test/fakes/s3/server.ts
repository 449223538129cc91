/**
 * A fake S3 endpoint on 127.0.0.1 for the real AWS SDK client, path-style (`/<bucket>/<key>`):
 * PUT object and GET object. PUTs must carry a SigV4 `Authorization` header for the expected access
 * key; GETs must carry that header or a presigned query (`X-Amz-Credential`, `X-Amz-Signature`),
 * unless the bucket is made publicly readable. Bodies are kept in memory, every request is recorded,
 * and 5xx replies can be queued to exercise the SDK's retries.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeS3Call {
  method: string;
  /** Path and query as received. */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  status: number;
}

export interface FakeS3Object {
  body: Buffer;
  contentType?: string;
}

export interface FakeS3Options {
  bucket: string;
  accessKeyId: string;
  /** GETs without any signature are served (a bucket website or CDN in front of it). */
  publicRead?: boolean;
}

export interface FakeS3 {
  /** `http://127.0.0.1:<port>`: the endpoint to give the SDK. */
  url: string;
  calls: FakeS3Call[];
  /** Objects by key (without the bucket). */
  objects: Map<string, FakeS3Object>;
  /** The next `count` requests with this method are answered with `status`. */
  failNext(method: string, status: number, count?: number): void;
  close(): Promise<void>;
}

const errorXml = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;

export async function startFakeS3(opts: FakeS3Options): Promise<FakeS3> {
  const calls: FakeS3Call[] = [];
  const objects = new Map<string, FakeS3Object>();
  const faults: { method: string; status: number }[] = [];
  const credentialRe = new RegExp(`^${opts.accessKeyId}/\\d{8}/[\\w-]+/s3/aws4_request$`);

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const reply = (status: number, payload: string | Buffer, headers: Record<string, string> = {}) => {
        calls.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, status });
        res.writeHead(status, headers).end(payload);
      };
      const url = new URL(req.url ?? '/', 'http://fake');
      const [, bucket, ...rest] = url.pathname.split('/');
      const key = rest.map(decodeURIComponent).join('/');
      const fault = faults.findIndex((f) => f.method === req.method);
      if (fault >= 0) {
        const [f] = faults.splice(fault, 1);
        return reply(f!.status, errorXml('InternalError', 'injected'), { 'content-type': 'application/xml' });
      }
      if (bucket !== opts.bucket || !key)
        return reply(404, errorXml('NoSuchBucket', 'no such bucket'), { 'content-type': 'application/xml' });

      const auth = req.headers.authorization ?? '';
      const headerSigned =
        auth.startsWith('AWS4-HMAC-SHA256 ') &&
        credentialRe.test(/Credential=([^,]+)/.exec(auth)?.[1] ?? '') &&
        /Signature=[0-9a-f]{64}/.test(auth);
      const presigned =
        url.searchParams.get('X-Amz-Algorithm') === 'AWS4-HMAC-SHA256' &&
        credentialRe.test(url.searchParams.get('X-Amz-Credential') ?? '') &&
        /^[0-9a-f]{64}$/.test(url.searchParams.get('X-Amz-Signature') ?? '');

      if (req.method === 'PUT') {
        if (!headerSigned) return reply(403, errorXml('AccessDenied', 'unsigned PUT'));
        objects.set(key, { body, contentType: req.headers['content-type'] });
        return reply(200, '', { etag: '"fake"' });
      }
      if (req.method === 'GET') {
        if (!headerSigned && !presigned && !opts.publicRead)
          return reply(403, errorXml('AccessDenied', 'unsigned GET'));
        const object = objects.get(key);
        if (!object) return reply(404, errorXml('NoSuchKey', 'no such key'));
        return reply(200, object.body, { 'content-type': object.contentType ?? 'application/octet-stream' });
      }
      return reply(405, errorXml('MethodNotAllowed', 'not implemented by the fake'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    objects,
    failNext(method, status, count = 1) {
      for (let i = 0; i < count; i++) faults.push({ method, status });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
