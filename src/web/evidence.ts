/**
 * Evidence files at `/evidence/:ticketId/*`, served from `$LOOPWRIGHT_HOME/evidence`. Paths that
 * leave the ticket's directory (`..`, absolute paths, symlinks pointing out) are refused. Videos
 * answer Range requests so browsers can seek. The files come from the sandbox, so they are served
 * with a locked-down CSP and anything that could run as a page is a download.
 */
import { createReadStream } from 'node:fs';
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Ticket } from '../core/ticket.ts';
import { LOCKED_CSP } from './csp.ts';
import { emptyEvidence, type EvidenceView } from './render/evidence.ts';

const TYPES: Record<string, string> = {
  '.webm': 'video/webm',
  '.mp4': 'video/mp4',
  '.gif': 'image/gif',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'text/plain; charset=utf-8',
  '.patch': 'text/plain; charset=utf-8',
  '.diff': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.zip': 'application/zip',
};

export const contentTypeFor = (file: string): string | undefined => TYPES[path.extname(file).toLowerCase()];

const TICKET_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

/**
 * The absolute path of `rel` inside `<root>/<ticketId>`, or undefined when it would escape (also
 * through a symlink) or does not exist as a file.
 */
export async function resolveEvidenceFile(
  root: string,
  ticketId: string,
  rel: string,
): Promise<string | undefined> {
  if (!TICKET_ID.test(ticketId) || ticketId === '.' || ticketId === '..') return undefined;
  if (!rel || rel.includes('\0') || path.isAbsolute(rel) || rel.split(/[\\/]/).some((s) => s === '..'))
    return undefined;
  const dir = path.resolve(root, ticketId);
  const file = path.resolve(dir, rel);
  if (!file.startsWith(dir + path.sep)) return undefined;
  try {
    const [realDir, realFile] = await Promise.all([realpath(dir), realpath(file)]);
    if (!realFile.startsWith(realDir + path.sep)) return undefined;
    return (await stat(realFile)).isFile() ? realFile : undefined;
  } catch {
    return undefined;
  }
}

/** `bytes=a-b` → inclusive range; undefined for no/multiple ranges (whole file); 'invalid' → 416. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'invalid' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return header.includes(',') ? undefined : 'invalid';
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return 'invalid';
  let start: number;
  let end: number;
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0) return 'invalid';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start >= size || start > end) return 'invalid';
  return { start, end };
}

async function sendFile(reply: FastifyReply, file: string, rangeHeader: string | undefined) {
  const { size } = await stat(file);
  const type = contentTypeFor(file);
  reply
    .header('content-security-policy', LOCKED_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('accept-ranges', 'bytes')
    .header('cache-control', 'private, no-cache');
  if (type) reply.type(type);
  else
    reply
      .type('application/octet-stream')
      .header(
        'content-disposition',
        `attachment; filename="${path.basename(file).replace(/[^\w.-]/g, '_')}"`,
      );
  const range = parseRange(rangeHeader, size);
  if (range === 'invalid') return reply.code(416).header('content-range', `bytes */${size}`).send();
  if (!range) return reply.header('content-length', size).send(createReadStream(file));
  return reply
    .code(206)
    .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
    .header('content-length', range.end - range.start + 1)
    .send(createReadStream(file, { start: range.start, end: range.end }));
}

export function evidenceRoot(home: string): string {
  return path.join(home, 'evidence');
}

export function registerEvidenceRoutes(app: FastifyInstance, root: string): void {
  app.get('/evidence/:ticketId/*', async (req, reply) => {
    const params = req.params as { ticketId: string; '*': string };
    const file = await resolveEvidenceFile(root, params.ticketId, params['*']);
    if (!file)
      return reply.code(404).send({ error: { code: 'not_found', message: 'no such evidence file' } });
    return sendFile(reply, file, req.headers.range);
  });
}

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

async function listImages(dir: string, sub: string): Promise<string[]> {
  try {
    const names = await readdir(path.join(dir, sub));
    return names
      .filter((n) => /\.(png|jpe?g|webp|gif)$/i.test(n))
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
      .map((n) => `${sub}/${n}`);
  } catch {
    return [];
  }
}

/** A path relative to the evidence dir (ticket.evidence may hold absolute ones). */
function relative(dir: string, p: string): string | undefined {
  const rel = path.isAbsolute(p) ? path.relative(dir, p) : p.replace(/^\.\//, '');
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : undefined;
}

/**
 * Captions by relative path, and the screenshots flagged blank, from `manifest.json` artifacts
 * (tolerant of partial manifests).
 */
async function manifestNotes(dir: string): Promise<[Map<string, string>, Set<string>]> {
  const out = new Map<string, string>();
  const blank = new Set<string>();
  try {
    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as {
      artifacts?: { path?: unknown; caption?: unknown; blank?: unknown }[];
    };
    for (const a of manifest.artifacts ?? []) {
      if (typeof a.path === 'string' && a.blank === true) blank.add(a.path);
      if (typeof a.path === 'string' && typeof a.caption === 'string') {
        const rel = relative(dir, a.path);
        if (rel) out.set(rel, a.caption);
      }
    }
  } catch {
    // No manifest yet (the ticket is still running) or an unreadable one: no captions.
  }
  return [out, blank];
}

/** What the evidence directory of a ticket holds, merged with the paths on the ticket. */
export async function readEvidenceView(root: string, ticket: Ticket): Promise<EvidenceView> {
  const dir = path.join(root, ticket.id);
  const view = emptyEvidence();
  const [has, steps, before, after, [caps, blank]] = await Promise.all([
    Promise.all(
      [
        'head.webm',
        'base.webm',
        'head.gif',
        'trace.zip',
        'manifest.json',
        'transcript.jsonl',
        'diff.patch',
        'poster.png',
      ].map((f) => exists(path.join(dir, f))),
    ),
    listImages(dir, 'steps'),
    listImages(dir, 'before'),
    listImages(dir, 'after'),
    manifestNotes(dir),
  ]);
  const ev = ticket.evidence;
  view.video = (ev?.video && relative(dir, ev.video)) || (has[0] ? 'head.webm' : undefined);
  view.baseVideo = has[1] ? 'base.webm' : undefined;
  view.gif = (ev?.gif && relative(dir, ev.gif)) || (has[2] ? 'head.gif' : undefined);
  view.trace = has[3] ? 'trace.zip' : undefined;
  view.manifest = has[4] ? 'manifest.json' : undefined;
  view.transcript = has[5] ? 'transcript.jsonl' : undefined;
  view.diff = has[6] ? 'diff.patch' : undefined;
  view.poster = has[7] ? 'poster.png' : undefined;
  const shots = new Set<string>(steps);
  for (const s of ev?.screenshots ?? []) {
    const rel = relative(dir, s);
    if (rel && !rel.startsWith('before/') && !rel.startsWith('after/')) shots.add(rel);
  }
  const shown = (p: string) => !blank.has(p);
  view.screenshots = [...shots].filter(shown).map((p) => ({ path: p, caption: caps.get(p) }));
  view.before = before.filter(shown);
  view.after = after.filter(shown);
  view.blank = [...blank];
  return view;
}

/** The ticket's `diff.patch`, when present (size-capped so a huge diff cannot stall the page). */
export async function readDiff(
  root: string,
  ticketId: string,
  maxBytes = 2_000_000,
): Promise<string | undefined> {
  const file = await resolveEvidenceFile(root, ticketId, 'diff.patch');
  if (!file) return undefined;
  const text = await readFile(file, 'utf8');
  return text.length > maxBytes ? text.slice(0, maxBytes) : text;
}
