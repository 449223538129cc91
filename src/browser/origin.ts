/**
 * The browser may reach the app and nothing else. The sandbox's network namespace enforces that;
 * these checks are the second line (defense in depth) and give the model a reason it can act on.
 */

export type UrlCheck = { ok: true; url: string } | { ok: false; reason: string };

/**
 * Resolves a URL or path against the app. A path (`/dashboards`) or relative URL resolves against
 * the app's base URL; an absolute URL must be on the app's origin or on an allowed host.
 */
export function resolveAppUrl(input: string, appUrl: string, allowHosts: readonly string[] = []): UrlCheck {
  let url: URL;
  try {
    url = new URL(input, appUrl);
  } catch {
    return { ok: false, reason: `"${input}" is not a URL or path; use a path such as /dashboards` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, reason: `only http(s) pages of the app can be opened, not ${url.protocol} URLs` };
  }
  if (!isAllowedUrl(url, appUrl, allowHosts)) {
    return {
      ok: false,
      reason:
        `navigation to ${url.origin} refused: the browser may only open the app at ${new URL(appUrl).origin}. ` +
        `Use a path such as /${url.pathname.replace(/^\//, '')} to open a page of the app.`,
    };
  }
  return { ok: true, url: url.href };
}

/** True for the app's own origin and for hosts the target's `.loopwright.yml` allows. */
export function isAllowedUrl(url: URL | string, appUrl: string, allowHosts: readonly string[] = []): boolean {
  const u = typeof url === 'string' ? safeUrl(url) : url;
  if (!u) return false;
  if (u.protocol === 'data:' || u.protocol === 'blob:' || u.href === 'about:blank') return true;
  if (u.origin === new URL(appUrl).origin) return true;
  return allowHosts.some((host) => host === u.hostname || host === u.host);
}

function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
