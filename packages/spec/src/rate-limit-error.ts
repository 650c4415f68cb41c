import { ProviderError } from './provider-error.js';
import type { ProviderErrorOptions } from './provider-error.js';

/** The vendor refused the call for rate or quota reasons (HTTP 429). Retryable. */
export class RateLimitError extends ProviderError {
  static override readonly errorName: string = 'RateLimitError';

  /** How long the vendor asked to wait before retrying, in milliseconds, when it said. */
  readonly retryAfterMs: number | undefined;

  constructor(options: ProviderErrorOptions & { readonly retryAfterMs?: number }) {
    super({ ...options, code: 'PROVIDER_RATE_LIMIT', isRetryable: true });
    this.retryAfterMs = options.retryAfterMs;
  }

  override get fields(): Readonly<Record<string, unknown>> {
    return { ...super.fields, retryAfterMs: this.retryAfterMs };
  }
}
