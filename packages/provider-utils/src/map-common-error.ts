import { ProviderError } from '@dk/spec';
import { createInvalidResponseError } from './create-invalid-response-error.js';
import { createProviderError } from './create-provider-error.js';
import { describeNetworkError, isNetworkError } from './network-error.js';

/**
 * Translates the failures every HTTP vendor client shares, after a provider's `<vendor>-error.ts`
 * has handled its client's own error classes:
 *
 * - a `ProviderError` → unchanged;
 * - a `SyntaxError` (a body or stream event that is not JSON) → `InvalidResponseError`;
 * - a transport failure ({@link isNetworkError}: reset, refused, a body cut off or unreadable)
 *   → `ProviderUnavailableError` ("connection failed");
 * - anything else (a bug) → unchanged, so it is neither retried nor disguised.
 */
export function mapCommonError(provider: string, error: unknown): unknown {
  if (ProviderError.isInstance(error)) return error;
  if (error instanceof SyntaxError) {
    return createInvalidResponseError({
      provider,
      problem: `the body or a stream event is not JSON (${error.message})`,
      cause: error,
    });
  }
  if (isNetworkError(error))
    return createProviderError({ provider, vendorMessage: describeNetworkError(error), cause: error });
  return error;
}
