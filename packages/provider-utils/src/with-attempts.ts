import type { ProviderError } from '@dk/spec';

/**
 * Records on `error` how many attempts were made before it was surfaced and returns the
 * same error. `ProviderError.attempts` is readonly for callers; only the retry machinery
 * that made the attempts sets it.
 */
export function withAttempts<E extends ProviderError>(error: E, attempts: number): E {
  Object.defineProperty(error, 'attempts', {
    value: attempts,
    enumerable: true,
    writable: false,
    configurable: true,
  });
  return error;
}
