/**
 * The Slack Web API as the rest of src/slack uses it: one WebClient with bounded retries, 429s
 * honoured (Retry-After) and every call settled as a result, never a throw. A Slack outage must not
 * fail a ticket, so callers log and drop what could not be delivered.
 */
import { webApi } from '@slack/bolt';
import type { Logger } from '../core/log.ts';

// Bolt re-exports the Web API client it is built on; using it keeps one version of each.
const { WebClient, ErrorCode: WebErrorCode } = webApi;
type WebClient = webApi.WebClient;
type RetryOptions = webApi.RetryOptions;
type WebAPICallResult = webApi.WebAPICallResult;
export type { RetryOptions };

/** Retries for one call: about half a minute of backoff before an update is dropped. */
export const DEFAULT_RETRY: RetryOptions = {
  retries: 4,
  factor: 2,
  minTimeout: 1000,
  maxTimeout: 15_000,
  randomize: true,
};

export type SlackResult<T = WebAPICallResult> =
  | { ok: true; value: T }
  /** `error` is Slack's own error string (`channel_not_found`, `already_reacted`) or `http_<status>` / `request_failed`. */
  | { ok: false; error: string };

export interface SlackApiOptions {
  token: string;
  apiUrl: string;
  log: Logger;
  retryConfig?: RetryOptions;
}

/** The WebClient options shared by the Bolt app and our own calls. */
export function clientOptions(apiUrl: string, retryConfig: RetryOptions = DEFAULT_RETRY) {
  return {
    slackApiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`,
    retryConfig,
    // Wait out a 429 for as long as Slack's Retry-After says, then retry (counted against retries).
    rejectRateLimitedCalls: false,
    timeout: 15_000,
  };
}

export class SlackApi {
  readonly client: WebClient;
  private readonly log: Logger;

  constructor(opts: SlackApiOptions) {
    this.log = opts.log;
    this.client = new WebClient(opts.token, {
      ...clientOptions(opts.apiUrl, opts.retryConfig),
      // The WebClient's own console logger is noisy; failures are logged here with context.
      logger: quietLogger(),
    });
  }

  /** Calls a Web API method; failures come back as `{ ok: false, error }` and are logged at debug. */
  async call<T = WebAPICallResult>(method: string, args: Record<string, unknown>): Promise<SlackResult<T>> {
    try {
      const value = (await this.client.apiCall(method, args)) as T;
      return { ok: true, value };
    } catch (error) {
      const code = slackErrorCode(error);
      this.log.debug({ method, error: code }, 'slack call failed');
      return { ok: false, error: code };
    }
  }

  /**
   * A call whose failure only costs a message: logged once as dropped. Errors in `ignore` are
   * expected outcomes (an emoji already there) and are not logged.
   */
  async bestEffort<T = WebAPICallResult>(
    method: string,
    args: Record<string, unknown>,
    ignore: string[] = [],
  ): Promise<SlackResult<T>> {
    const result = await this.call<T>(method, args);
    if (!result.ok && !ignore.includes(result.error)) {
      this.log.warn(
        { method, error: result.error, channel: args.channel },
        'slack update dropped after retries',
      );
    }
    return result;
  }
}

/** Slack's error string for a failed call, by the WebClient's error codes (never message text). */
export function slackErrorCode(error: unknown): string {
  const e = error as { code?: string; data?: { error?: string }; statusCode?: number };
  if (e?.code === WebErrorCode.PlatformError) return e.data?.error ?? 'platform_error';
  if (e?.code === WebErrorCode.HTTPError) return `http_${e.statusCode ?? 'error'}`;
  if (e?.code === WebErrorCode.RateLimitedError) return 'ratelimited';
  return 'request_failed';
}

function quietLogger() {
  const noop = () => {};
  return {
    debug: noop,
    info: noop,
    warn: noop,
    error: noop,
    setLevel: noop,
    getLevel: () => 'error' as never,
    setName: noop,
  };
}
