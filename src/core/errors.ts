/**
 * Errors that cross a component boundary carry a stable `code` (STYLE.md 9). Callers branch on the
 * code, never on message text; the message says what went wrong and what to do about it.
 */
export const ErrorCode = {
  ConfigInvalid: 'config_invalid',
  TargetConfigInvalid: 'target_config_invalid',
  ModelNotConfigured: 'model_not_configured',
  ModelError: 'model_error',
  ModelOutputInvalid: 'model_output_invalid',
  BudgetExceeded: 'budget_exceeded',
  SandboxUnavailable: 'sandbox_unavailable',
  SandboxFailed: 'sandbox_failed',
  AppStartFailed: 'app_start_failed',
  BrowserFailed: 'browser_failed',
  ProofFailed: 'proof_failed',
  GuardrailRejected: 'guardrail_rejected',
  ReviewRejected: 'review_rejected',
  PublishFailed: 'publish_failed',
  GitHubError: 'github_error',
  SlackError: 'slack_error',
  StageTimeout: 'stage_timeout',
  Cancelled: 'cancelled',
  StaleAttempt: 'stale_attempt',
  NotFound: 'not_found',
  BadRequest: 'bad_request',
  Internal: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** An error with a stable code and, optionally, a hint on what to do next. */
export class CodedError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  /** Whether retrying the same job may succeed (a 502, a crashed worker), as opposed to a verdict. */
  readonly retryable: boolean;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { hint?: string; cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'CodedError';
    this.code = code;
    this.hint = opts.hint;
    this.retryable = opts.retryable ?? false;
  }

  /** The message followed by the hint, for terminals and ticket pages. */
  describe(): string {
    return this.hint ? `${this.message} — ${this.hint}` : this.message;
  }
}

/** Coerces anything thrown into a CodedError so jobs always settle with a code (STYLE.md 10). */
export function asCodedError(error: unknown, fallback: ErrorCode = ErrorCode.Internal): CodedError {
  if (error instanceof CodedError) return error;
  if (error instanceof Error) {
    if (error.name === 'AbortError')
      return new CodedError(ErrorCode.Cancelled, 'Cancelled', { cause: error });
    return new CodedError(fallback, error.message, { cause: error });
  }
  return new CodedError(fallback, typeof error === 'string' ? error : JSON.stringify(error));
}

export function isCodedError(error: unknown, code?: ErrorCode): error is CodedError {
  return error instanceof CodedError && (code === undefined || error.code === code);
}
