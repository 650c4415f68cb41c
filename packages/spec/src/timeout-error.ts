import { ProviderError } from './provider-error.js';
import type { ProviderErrorOptions } from './provider-error.js';

/**
 * The call exceeded its `timeoutMs` deadline. The deadline covers retries, so the error is
 * not retried by the provider itself; the caller may try again with a longer deadline.
 */
export class TimeoutError extends ProviderError {
  static override readonly errorName: string = 'TimeoutError';

  /** The deadline that was exceeded, in milliseconds. */
  readonly timeoutMs: number;

  constructor(options: ProviderErrorOptions & { readonly timeoutMs: number }) {
    super({ ...options, code: 'PROVIDER_TIMEOUT', isRetryable: false });
    this.timeoutMs = options.timeoutMs;
  }

  override get fields(): Readonly<Record<string, unknown>> {
    return { ...super.fields, timeoutMs: this.timeoutMs };
  }
}
