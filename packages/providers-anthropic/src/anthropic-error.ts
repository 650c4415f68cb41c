import { AbortError } from '@dk/spec';
import { createProviderError, describeNetworkError, mapCommonError } from '@dk/provider-utils';
import { APIConnectionError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';

const provider = 'anthropic';

// Status implied by an error type sent inside a 200 stream (`event: error`), so the error
// is classified and retried like its HTTP equivalent.
const statusByErrorType: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/**
 * Translates anything the Anthropic client throws during a call into a typed
 * `ProviderError` (via `createProviderError`), keeping the HTTP status, the vendor's error
 * type (`overloaded_error`, `rate_limit_error`, …), the request id and `Retry-After`:
 *
 * - 429 → `RateLimitError`; 401/403 → `AuthenticationError`; "prompt is too long" →
 *   `ContextLengthExceededError`; 408/409/5xx and 529 overloaded → retryable
 *   `ProviderUnavailableError`; other 4xx → `InvalidRequestError`.
 * - An `event: error` inside a 200 stream → classified by its error type (overloaded → 529),
 *   described as an error in the response stream.
 * - Connection failures → `ProviderUnavailableError`; the SDK's user-abort error →
 *   `AbortError`; unparsable bodies and events, and bodies cut off, as `mapCommonError` says.
 *
 * Secrets are removed by `BaseProvider` from the whole error. Unrecognised errors (bugs) are
 * returned unchanged.
 */
export function mapAnthropicError(error: unknown): unknown {
  if (error instanceof APIUserAbortError) {
    return new AbortError({ provider, message: 'anthropic request was aborted by its AbortSignal.', cause: error });
  }
  if (error instanceof APIConnectionError) {
    return createProviderError({ provider, vendorMessage: describeNetworkError(error), cause: error });
  }
  if (error instanceof APIError) {
    const body = (error.error ?? {}) as { error?: { type?: unknown; message?: unknown }; request_id?: unknown };
    const vendorType = typeof body.error?.type === 'string' ? body.error.type : (error.type ?? undefined);
    const inStream = error.status === undefined;
    return createProviderError({
      provider,
      status: error.status,
      inStream,
      impliedStatus: inStream && vendorType !== undefined ? statusByErrorType[vendorType] : undefined,
      vendorMessage: typeof body.error?.message === 'string' ? body.error.message : undefined,
      vendorType,
      requestId: error.requestID ?? (typeof body.request_id === 'string' ? body.request_id : undefined),
      headers: error.headers,
      cause: error,
    });
  }
  return mapCommonError(provider, error);
}
