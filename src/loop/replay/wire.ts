/** The replay server's HTTP answers: JSON, OpenAI-shaped errors and streamed (SSE) completions. */
import type { IncomingMessage, ServerResponse } from 'node:http';

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, message: string, code: string): void {
  // `retry-after-ms` keeps the SDK's backoff short for scripted outages.
  if (status >= 500 || status === 429) res.setHeader('retry-after-ms', '50');
  sendJson(res, status, {
    error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', code, param: null },
  });
}

export function sendStream(
  res: ServerResponse,
  r: {
    id: string;
    model: string;
    content: string;
    calls: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
    finish: string;
    usage?: unknown;
  },
): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: unknown, finish: string | null = null, extra: Record<string, unknown> = {}) =>
    res.write(
      `data: ${JSON.stringify({ id: r.id, object: 'chat.completion.chunk', created, model: r.model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`,
    );
  chunk({ role: 'assistant', content: '' });
  // Content and arguments arrive in pieces, as from a real endpoint, so clients must reassemble them.
  for (const piece of pieces(r.content)) chunk({ content: piece });
  r.calls.forEach((call, index) => {
    chunk({
      tool_calls: [
        { index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } },
      ],
    });
    for (const piece of pieces(call.function.arguments))
      chunk({ tool_calls: [{ index, function: { arguments: piece } }] });
  });
  chunk({}, r.finish);
  if (r.usage)
    res.write(
      `data: ${JSON.stringify({ id: r.id, object: 'chat.completion.chunk', created, model: r.model, choices: [], usage: r.usage })}\n\n`,
    );
  res.write('data: [DONE]\n\n');
  res.end();
}

const pieces = (text: string, size = 24): string[] => {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
};
