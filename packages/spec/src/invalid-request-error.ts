import { ProviderError } from './provider-error.js';
import type { ProviderErrorOptions } from './provider-error.js';

/** The vendor rejected the request as malformed or unsupported (HTTP 400/404/422). Not retryable. */
export class InvalidRequestError extends ProviderError {
  static override readonly errorName: string = 'InvalidRequestError';

  constructor(options: ProviderErrorOptions) {
    super({ ...options, code: 'PROVIDER_INVALID_REQUEST', isRetryable: false });
  }
}
