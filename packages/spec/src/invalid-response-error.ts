import { ProviderUnavailableError } from './provider-unavailable-error.js';
import type { ProviderErrorOptions } from './provider-error.js';

/**
 * The vendor answered "success" with something that is not a valid answer: a 200 with an HTML
 * page or unparsable JSON, JSON missing required fields, an unparsable stream event, or a
 * stream that ended before its finish (before any output, or cut off after some).
 *
 * Retryable, like the connection failures it usually stands for (a proxy or gateway page, a
 * body cut short): the retry policy resends the call before any output was streamed. A
 * backend that always answers this way (an incompatible OpenAI-compatible server) fails after
 * `maxRetries` more attempts with this error, whose message names what was wrong. A subclass
 * of `ProviderUnavailableError`, so code that handles that error handles this one too.
 */
export class InvalidResponseError extends ProviderUnavailableError {
  static override readonly errorName: string = 'InvalidResponseError';

  constructor(options: ProviderErrorOptions) {
    super({ ...options, code: 'PROVIDER_INVALID_RESPONSE' });
  }
}
