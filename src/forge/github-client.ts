/**
 * The Octokit client Loopwright uses for GitHub: REST with the retry and throttling plugins, auth by
 * token or by GitHub App installation, and one place where Octokit errors become CodedErrors
 * (classified by HTTP status, never by message text — STYLE.md 9).
 */
import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type { Config } from '../config/schema.ts';
import { CodedError, ErrorCode } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { redact, registerSecret } from '../core/redact.ts';

const LoopwrightOctokit = Octokit.plugin(retry, throttling);
export type GitHubOctokit = InstanceType<typeof LoopwrightOctokit>;

export interface RepoCoords {
  owner: string;
  repo: string;
}

/** A configured client plus the credential for git over HTTPS (the same token or installation token). */
export interface GitHubClient {
  octokit: GitHubOctokit;
  coords: RepoCoords;
  /** `https://github.com` or the GHE host: where repo readers open files and PRs. */
  webUrl: string;
  /** A token valid for git pushes now; installation tokens are minted and cached by auth-app. */
  gitToken(): Promise<string>;
  /** The last token handed out, for synchronous callers (`Forge.gitEnv`). */
  cachedGitToken(): string | undefined;
}

/** True when config has a repo and a way to authenticate to GitHub. */
export function githubEnabled(config: Config): boolean {
  return Boolean(
    config.githubRepo &&
    (config.githubToken || (config.githubAppId && config.githubAppPrivateKey && config.githubInstallationId)),
  );
}

export function repoCoords(config: Config): RepoCoords {
  const [owner, repo] = (config.githubRepo ?? '').split('/');
  if (!owner || !repo) {
    throw new CodedError(ErrorCode.ConfigInvalid, 'LOOPWRIGHT_GITHUB_REPO is not set', {
      hint: 'set LOOPWRIGHT_GITHUB_REPO=owner/name',
    });
  }
  return { owner, repo };
}

/**
 * The web host for an API URL: api.github.com → github.com; GHE's `https://ghe/api/v3` →
 * `https://ghe`; anything else (a proxy, a test server) → its origin.
 */
export function webUrlFor(apiUrl: string): string {
  const url = new URL(apiUrl);
  if (url.hostname === 'api.github.com') return 'https://github.com';
  if (url.hostname.startsWith('api.') && url.hostname.endsWith('.ghe.com')) {
    return `${url.protocol}//${url.hostname.slice(4)}`;
  }
  const pathname = url.pathname.replace(/\/+$/, '');
  if (pathname.endsWith('/api/v3')) return `${url.origin}${pathname.slice(0, -'/api/v3'.length)}`;
  return url.origin;
}

/**
 * Where the branch is pushed: LOOPWRIGHT_REPO when it is a URL (https, file, ssh), else the repo
 * on the GitHub web host.
 */
export function gitUrlFor(config: Config): string {
  const repo = config.repo ?? '';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[\w.-]+@[\w.-]+:/.test(repo)) return repo;
  const { owner, repo: name } = repoCoords(config);
  return `${webUrlFor(config.githubApiUrl)}/${owner}/${name}.git`;
}

export interface ClientOptions {
  config: Config;
  log: Logger;
  /** Base wait of plugin-retry (ms × retryCount²); GitHub's default is 1000. */
  retryAfterBaseValue?: number;
}

export function createGitHubClient(opts: ClientOptions): GitHubClient {
  const { config, log } = opts;
  const coords = repoCoords(config);
  const common = {
    baseUrl: config.githubApiUrl.replace(/\/+$/, ''),
    userAgent: 'loopwright',
    log: {
      debug: () => {},
      info: () => {},
      warn: (msg: string) => log.warn({ component: 'github' }, redact(String(msg))),
      error: (msg: string) => log.error({ component: 'github' }, redact(String(msg))),
    },
    retry: { retryAfterBaseValue: opts.retryAfterBaseValue ?? 1000 },
    throttle: {
      onRateLimit: (
        retryAfter: number,
        options: { method: string; url: string },
        _o: unknown,
        retryCount: number,
      ) => {
        log.warn({ retryAfter, method: options.method, url: options.url }, 'GitHub rate limit hit');
        return retryCount < 2;
      },
      onSecondaryRateLimit: (
        retryAfter: number,
        options: { method: string; url: string },
        _o: unknown,
        retryCount: number,
      ) => {
        log.warn({ retryAfter, method: options.method, url: options.url }, 'GitHub secondary rate limit hit');
        return retryCount < 2;
      },
    },
  };

  let lastToken: string | undefined;
  let octokit: GitHubOctokit;
  let gitToken: () => Promise<string>;
  if (config.githubToken) {
    registerSecret(config.githubToken);
    octokit = new LoopwrightOctokit({ ...common, auth: config.githubToken });
    lastToken = config.githubToken;
    gitToken = async () => config.githubToken as string;
  } else if (config.githubAppId && config.githubAppPrivateKey && config.githubInstallationId) {
    // Env variables often carry the PEM with literal "\n".
    const privateKey = config.githubAppPrivateKey.replace(/\\n/g, '\n');
    registerSecret(privateKey);
    octokit = new LoopwrightOctokit({
      ...common,
      authStrategy: createAppAuth,
      auth: { appId: config.githubAppId, privateKey, installationId: config.githubInstallationId },
    });
    gitToken = async () => {
      try {
        const auth = (await octokit.auth({ type: 'installation' })) as { token: string };
        registerSecret(auth.token);
        lastToken = auth.token;
        return auth.token;
      } catch (error) {
        throw asGitHubError(error, 'minting a GitHub App installation token');
      }
    };
  } else {
    throw new CodedError(ErrorCode.ConfigInvalid, 'GitHub is not configured', {
      hint: 'set GITHUB_TOKEN, or GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY + GITHUB_APP_INSTALLATION_ID',
    });
  }
  return {
    octokit,
    coords,
    webUrl: webUrlFor(config.githubApiUrl),
    gitToken,
    cachedGitToken: () => lastToken,
  };
}

/** HTTP status of an Octokit RequestError (or anything with a numeric `status`). */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** Turns an Octokit failure into a GitHubError, by status; 5xx and 429 are retryable. */
export function asGitHubError(error: unknown, doing: string): CodedError {
  if (error instanceof CodedError) return error;
  const status = statusOf(error);
  const detail = redact(error instanceof Error ? error.message : String(error));
  if (status === undefined) {
    return new CodedError(ErrorCode.GitHubError, `GitHub unreachable while ${doing}: ${detail}`, {
      hint: 'check GITHUB_API_URL and the network',
      retryable: true,
      cause: error,
    });
  }
  const hints: Record<number, string> = {
    401: 'the token or GitHub App credentials are invalid or expired',
    403: 'the token lacks permission (needs contents:write and pull_requests:write) or a rate limit was hit',
    404: 'check LOOPWRIGHT_GITHUB_REPO and that the token can see the repository',
    422: 'GitHub rejected the request as invalid',
  };
  const retryable = status >= 500 || status === 429;
  return new CodedError(ErrorCode.GitHubError, `GitHub answered ${status} while ${doing}: ${detail}`, {
    hint: hints[status] ?? (retryable ? 'GitHub is having trouble; the ticket can be retried' : undefined),
    retryable,
    cause: error,
  });
}
