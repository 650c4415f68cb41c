import { DkError } from '@dk/spec';
import type { DkErrorFields } from '@dk/spec';

/** `RateLimitMiddleware` refused a model call because its key used up the window's allowance. */
export class RateLimitExceededError extends DkError {
  static override readonly errorName: string = 'RateLimitExceededError';

  /** The rate-limit key (conversation id, user id, …). */
  readonly key: string;
  /** Calls allowed per window. */
  readonly limit: number;
  /** Window length in milliseconds. */
  readonly windowMs: number;
  /** Milliseconds until the oldest call in the window expires and a call is allowed again. */
  readonly retryAfterMs: number;

  constructor({
    key,
    limit,
    windowMs,
    retryAfterMs,
  }: {
    readonly key: string;
    readonly limit: number;
    readonly windowMs: number;
    readonly retryAfterMs: number;
  }) {
    super({
      message: `Rate limit exceeded for "${key}": ${limit} calls per ${windowMs} ms already used. Retry after ${retryAfterMs} ms, or raise \`maxRequests\` / \`windowMs\` of RateLimitMiddleware.`,
      code: 'RATE_LIMIT_EXCEEDED',
    });
    this.key = key;
    this.limit = limit;
    this.windowMs = windowMs;
    this.retryAfterMs = retryAfterMs;
  }

  override get fields(): DkErrorFields {
    return { key: this.key, limit: this.limit, windowMs: this.windowMs, retryAfterMs: this.retryAfterMs };
  }
}
