import { ProviderError } from './provider-error.js';
import type { ProviderErrorOptions } from './provider-error.js';

/** The API key is missing, invalid or lacks permission (HTTP 401/403). Not retryable. */
export class AuthenticationError extends ProviderError {
  static override readonly errorName: string = 'AuthenticationError';

  constructor(options: ProviderErrorOptions) {
    super({ ...options, code: 'PROVIDER_AUTHENTICATION', isRetryable: false });
  }
}
