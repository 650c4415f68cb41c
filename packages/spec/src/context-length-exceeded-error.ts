import { ProviderError } from './provider-error.js';
import type { ProviderErrorOptions } from './provider-error.js';

/** The request does not fit the model's context window. Not retryable: shorten the input. */
export class ContextLengthExceededError extends ProviderError {
  static override readonly errorName: string = 'ContextLengthExceededError';

  constructor(options: ProviderErrorOptions) {
    super({ ...options, code: 'PROVIDER_CONTEXT_LENGTH_EXCEEDED', isRetryable: false });
  }
}
