/**
 * One GitHub API host in front of several fake repositories, as api.github.com serves every repo
 * of an org: `/repos/<owner>/<name>/…` goes to the fake holding that repo, unknown repos get
 * GitHub's 404. Lets several targets share one `GITHUB_API_URL` in a test.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGitHubHost {
  url: string;
  close(): Promise<void>;
}

/** `fakes`: `owner/name` → the fake API's base URL. */
export async function startGitHubHost(fakes: Record<string, string>): Promise<FakeGitHubHost> {
  const server = http.createServer((req, res) => {
    const m = (req.url ?? '').match(/^\/repos\/([^/]+)\/([^/?]+)/);
    const base = m ? fakes[`${m[1]}/${m[2]}`] : undefined;
    if (!base) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ message: 'Not Found' }));
    }
    const upstream = http.request(
      new URL(req.url ?? '/', base),
      { method: req.method, headers: { ...req.headers, host: new URL(base).host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
