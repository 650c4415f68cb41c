import { ProviderError } from './provider-error.js';
import type { ProviderErrorOptions } from './provider-error.js';

/**
 * The vendor failed or was unreachable: 5xx, 529 overloaded, an error event inside a stream, a
 * connection refused or reset, a malformed answer (`InvalidResponseError`). Retryable.
 */
export class ProviderUnavailableError extends ProviderError {
  static override readonly errorName: string = 'ProviderUnavailableError';

  /** @param options The failure; `code` is for subclasses (default `PROVIDER_UNAVAILABLE`). */
  constructor(options: ProviderErrorOptions & { readonly code?: string }) {
    super({ ...options, code: options.code ?? 'PROVIDER_UNAVAILABLE', isRetryable: true });
  }
}
