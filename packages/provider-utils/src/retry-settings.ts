/**
 * Retry settings every dk provider accepts as `settings.retry`. Per-call
 * `CompletionOptions.maxRetries` overrides `maxRetries`.
 */
export interface RetrySettings {
  /** Retries of retryable failures after the first attempt. Default 2. */
  readonly maxRetries?: number;
  /** Backoff base in milliseconds: attempt n waits up to `baseDelayMs * 2^(n-1)`. Default 500. */
  readonly baseDelayMs?: number;
  /** Upper bound of one backoff wait in milliseconds, also caps `Retry-After` hints. Default 30 000. */
  readonly maxDelayMs?: number;
}

/** The defaults applied to unset {@link RetrySettings} fields. */
export const defaultRetrySettings: Readonly<Required<RetrySettings>> = Object.freeze({
  maxRetries: 2,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
});
