import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseRange } from '../../src/web/evidence.ts';
import { request } from './helpers/http.ts';
import { startHarness, type Harness } from './helpers/setup.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function fill(home: string, id: string) {
  const dir = path.join(home, 'evidence', id);
  mkdirSync(path.join(dir, 'steps'), { recursive: true });
  writeFileSync(path.join(dir, 'head.webm'), Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256)));
  writeFileSync(path.join(dir, 'head.gif'), 'GIF89a');
  writeFileSync(path.join(dir, 'steps', '01.png'), 'png');
  writeFileSync(path.join(dir, 'page.html'), '<script>alert(1)</script>');
  writeFileSync(path.join(dir, 'diff.patch'), 'diff --git a/x b/x\n');
  writeFileSync(path.join(home, 'secret.txt'), 'do not serve');
  symlinkSync(path.join(home, 'secret.txt'), path.join(dir, 'link.txt'));
  return dir;
}

describe('evidence files', () => {
  it('serves files with the right content types and a locked-down CSP', async () => {
    h = await startHarness();
    fill(h.home, 't1');
    const u = h.server.url;
    const video = await request(`${u}/evidence/t1/head.webm`);
    expect(video.status).toBe(200);
    expect(video.headers['content-type']).toBe('video/webm');
    expect(video.headers['accept-ranges']).toBe('bytes');
    expect(video.body.length).toBe(1000);
    expect((await request(`${u}/evidence/t1/head.gif`)).headers['content-type']).toBe('image/gif');
    expect((await request(`${u}/evidence/t1/steps/01.png`)).headers['content-type']).toBe('image/png');
    expect((await request(`${u}/evidence/t1/diff.patch`)).headers['content-type']).toMatch(/^text\/plain/);
    const page = await request(`${u}/evidence/t1/page.html`);
    expect(page.headers['content-type']).toBe('application/octet-stream');
    expect(page.headers['content-disposition']).toMatch(/^attachment/);
    expect(page.headers['content-security-policy']).toMatch(/sandbox/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
  });

  it('answers Range requests for video', async () => {
    h = await startHarness();
    fill(h.home, 't1');
    const u = h.server.url;
    const part = await request(`${u}/evidence/t1/head.webm`, { headers: { range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe('bytes 10-19/1000');
    expect([...part.body]).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    const tail = await request(`${u}/evidence/t1/head.webm`, { headers: { range: 'bytes=-5' } });
    expect(tail.headers['content-range']).toBe('bytes 995-999/1000');
    const open = await request(`${u}/evidence/t1/head.webm`, { headers: { range: 'bytes=990-' } });
    expect(open.body.length).toBe(10);
    const beyond = await request(`${u}/evidence/t1/head.webm`, { headers: { range: 'bytes=5000-' } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers['content-range']).toBe('bytes */1000');
    expect(parseRange('bytes=0-0', 3)).toEqual({ start: 0, end: 0 });
    expect(parseRange('bytes=0-1,4-5', 10)).toBeUndefined();
    expect(parseRange('items=1-2', 10)).toBe('invalid');
  });

  it('refuses path traversal, encoded or through a symlink', async () => {
    h = await startHarness();
    fill(h.home, 't1');
    const u = h.server.url;
    for (const p of [
      '/evidence/t1/..%2F..%2Fsecret.txt',
      '/evidence/t1/%2e%2e/%2e%2e/secret.txt',
      '/evidence/..%2F/secret.txt',
      '/evidence/t1/link.txt',
      '/evidence/t1/%2Fetc%2Fpasswd',
      '/evidence/t1/steps',
      '/evidence/t1/nothing.png',
    ]) {
      const res = await request(`${u}${p}`);
      expect(res.status, p).toBe(404);
      expect(res.text, p).not.toContain('do not serve');
    }
  });
});
