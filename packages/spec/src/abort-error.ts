import { ProviderError } from './provider-error.js';
import type { ProviderErrorOptions } from './provider-error.js';

/** The caller's AbortSignal cancelled the call. Not retryable. */
export class AbortError extends ProviderError {
  static override readonly errorName: string = 'AbortError';

  constructor(options: ProviderErrorOptions) {
    super({ ...options, code: 'PROVIDER_ABORTED', isRetryable: false });
  }
}
