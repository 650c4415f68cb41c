import { ProviderError } from './provider-error.js';
import type { ProviderErrorOptions } from './provider-error.js';

/** The vendor failed or was unreachable: 5xx, 529 overloaded, connection reset, malformed stream. Retryable. */
export class ProviderUnavailableError extends ProviderError {
  static override readonly errorName: string = 'ProviderUnavailableError';

  constructor(options: ProviderErrorOptions) {
    super({ ...options, code: 'PROVIDER_UNAVAILABLE', isRetryable: true });
  }
}
