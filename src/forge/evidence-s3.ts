/**
 * Evidence in an S3-compatible bucket (AWS S3, MinIO, R2, ...), the alternative to the
 * `loopwright-evidence` branch: each file goes to `<prefix><ticket id>/<rel>` and is linked either
 * under a public base URL (bucket website, CDN) or, without one, by a presigned GET valid 7 days.
 *
 * Credentials come from the SDK's own chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profile,
 * instance role); Loopwright never stores them. Files are chosen with the evidence branch's rules
 * (priority, per-ticket cap, secret scan), so both stores publish the same set.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Config } from '../config/schema.ts';
import { CodedError, ErrorCode } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { registerSecret } from '../core/redact.ts';
import { DEFAULT_EVIDENCE_CAP_BYTES, selectEvidence } from './evidence-branch.ts';
import type { Forge } from './types.ts';

/** SigV4 presigned URLs cannot outlive 7 days. */
export const PRESIGN_MAX_SECONDS = 7 * 24 * 3600;

/** Where and how evidence is stored. */
export interface S3EvidenceConfig {
  bucket: string;
  /** Custom endpoint (MinIO, R2, ...); path-style addressing is used with it. */
  endpoint?: string;
  region?: string;
  /** Key prefix, normally ending in `/`; default `loopwright/`. */
  prefix?: string;
  /** Base URL the bucket is readable at (website, CDN); without it links are presigned. */
  publicUrl?: string;
  capBytes?: number;
  /** Lifetime of presigned links, at most (and by default) 7 days. */
  presignSeconds?: number;
  /** Explicit credentials; default is the SDK's chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY ...). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** SDK attempts per request (retries on 5xx and throttling); default 3. */
  maxAttempts?: number;
  log?: Logger;
}

/** The outcome of one publish: a URL per published file, and what was left out with why. */
export interface S3EvidencePublication {
  urls: Record<string, string>;
  skipped: { path: string; reason: string }[];
}

export interface S3EvidenceStore {
  publish(ticketId: string, dir: string, files: string[]): Promise<Record<string, string>>;
  publishDetailed(ticketId: string, dir: string, files: string[]): Promise<S3EvidencePublication>;
  /** The forge's `evidenceLinker`: unpublished files link to the manifest (or the ticket's folder). */
  linker(ticketId: string, published: Record<string, string>): (relPath: string) => string;
  close(): void;
}

const TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.webm': 'video/webm',
  '.mp4': 'video/mp4',
  '.json': 'application/json',
  '.jsonl': 'application/x-ndjson',
  '.zip': 'application/zip',
  '.md': 'text/markdown; charset=utf-8',
  // HTML is served as text: the bucket's origin must not run pages built from untrusted content.
  '.html': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.patch': 'text/plain; charset=utf-8',
};

/** The Content-Type an evidence file is stored with. */
export function evidenceContentType(rel: string): string {
  return TYPES[path.extname(rel).toLowerCase()] ?? 'application/octet-stream';
}

const encodeKey = (key: string): string => key.split('/').map(encodeURIComponent).join('/');

export function createS3EvidenceStore(config: S3EvidenceConfig): S3EvidenceStore {
  const prefix = config.prefix ?? 'loopwright/';
  const capBytes = config.capBytes ?? DEFAULT_EVIDENCE_CAP_BYTES;
  const presignSeconds = Math.min(config.presignSeconds ?? PRESIGN_MAX_SECONDS, PRESIGN_MAX_SECONDS);
  const publicBase = config.publicUrl?.replace(/\/+$/, '');
  // The secret must never reach logs, PR bodies or evidence, wherever it came from.
  registerSecret(config.credentials?.secretAccessKey ?? process.env.AWS_SECRET_ACCESS_KEY);
  registerSecret(config.credentials?.sessionToken ?? process.env.AWS_SESSION_TOKEN);
  const client = new S3Client({
    region: config.region ?? 'us-east-1',
    endpoint: config.endpoint,
    forcePathStyle: Boolean(config.endpoint),
    credentials: config.credentials,
    maxAttempts: config.maxAttempts ?? 3,
    // Stores that imitate S3 (R2, older MinIO) reject the optional checksum headers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const keyOf = (ticketId: string, rel: string) => `${prefix}${ticketId}/${rel}`;
  const urlOf = async (key: string): Promise<string> =>
    publicBase
      ? `${publicBase}/${encodeKey(key)}`
      : getSignedUrl(client, new GetObjectCommand({ Bucket: config.bucket, Key: key }), {
          expiresIn: presignSeconds,
        });

  const store: S3EvidenceStore = {
    async publish(ticketId, dir, files) {
      return (await store.publishDetailed(ticketId, dir, files)).urls;
    },
    async publishDetailed(ticketId, dir, files) {
      if (!/^[\w.-]+$/.test(ticketId))
        throw new CodedError(ErrorCode.BadRequest, `unsafe ticket id ${ticketId}`);
      const { keep, skipped } = await selectEvidence(dir, files, capBytes);
      for (const s of skipped)
        config.log?.warn({ ticketId, file: s.path, reason: s.reason }, 'evidence file not published');
      const urls: Record<string, string> = {};
      for (const file of keep) {
        const key = keyOf(ticketId, file.rel);
        try {
          await client.send(
            new PutObjectCommand({
              Bucket: config.bucket,
              Key: key,
              // A buffer, not a stream: the SDK can only resend a body it can read again.
              Body: await readFile(path.join(dir, file.rel)),
              ContentType: evidenceContentType(file.rel),
            }),
          );
        } catch (error) {
          const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
          throw new CodedError(
            ErrorCode.PublishFailed,
            `could not upload evidence ${file.rel} to bucket ${config.bucket}${status ? ` (HTTP ${status})` : ''}`,
            {
              hint: 'check LOOPWRIGHT_EVIDENCE_S3_* and the AWS credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)',
              retryable: true,
              cause: error,
            },
          );
        }
        urls[file.rel] = await urlOf(key);
      }
      config.log?.info({ ticketId, files: keep.length, skipped: skipped.length }, 'evidence uploaded');
      return { urls, skipped };
    },
    linker(ticketId, published) {
      const folder = publicBase ? `${publicBase}/${encodeKey(keyOf(ticketId, ''))}` : undefined;
      const fallback = published['manifest.json'] ?? folder ?? Object.values(published)[0] ?? '';
      return (relPath) => published[relPath.split('\\').join('/').replace(/^\.\//, '')] ?? fallback;
    },
    close: () => client.destroy(),
  };
  return store;
}

/** The S3 evidence settings from config, when a bucket is set. */
export function s3EvidenceConfigOf(config: Config, log?: Logger): S3EvidenceConfig | undefined {
  if (!config.evidenceS3Bucket) return undefined;
  return {
    bucket: config.evidenceS3Bucket,
    endpoint: config.evidenceS3Endpoint,
    region: config.evidenceS3Region,
    prefix: config.evidenceS3Prefix,
    publicUrl: config.evidencePublicUrl,
    log,
  };
}

/**
 * The forge with its evidence published to the store instead (GitHub's evidence branch, or the
 * local forge's own pages). Everything else — including fields like the GitHub client — is the
 * forge's own, so callers that look inside a GitHub forge keep working.
 */
export function withEvidenceStore<F extends Forge>(
  forge: F,
  store: S3EvidenceStore,
): F & Required<Pick<Forge, 'publishEvidence' | 'evidenceLinker'>> {
  const publishEvidence: Forge['publishEvidence'] = (ticketId, dir, files) =>
    store.publish(ticketId, dir, files);
  const evidenceLinker: Forge['evidenceLinker'] = (ticketId, published) => store.linker(ticketId, published);
  const wrapped: unknown = new Proxy(forge, {
    get(target, prop) {
      if (prop === 'publishEvidence') return publishEvidence;
      if (prop === 'evidenceLinker') return evidenceLinker;
      const value: unknown = Reflect.get(target, prop, target);
      // Bound to the forge itself, so class methods still reach their private state.
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return wrapped as F & Required<Pick<Forge, 'publishEvidence' | 'evidenceLinker'>>;
}
