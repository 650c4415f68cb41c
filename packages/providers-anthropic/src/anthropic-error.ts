import { AbortError, ProviderError } from '@dk/spec';
import { createProviderError, describeNetworkError, isNetworkError, redactSecrets } from '@dk/provider-utils';
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
 * - An `event: error` inside a stream → classified by its error type (overloaded → 529).
 * - Connection failures and resets, malformed SSE data → `ProviderUnavailableError`.
 * - The SDK's user-abort error → `AbortError`.
 *
 * `secrets` (the API key) are redacted from every message, including the SDK error kept as
 * `cause`. `ProviderError`s and unrecognised errors (bugs) are returned unchanged.
 */
export function mapAnthropicError(error: unknown, secrets: readonly string[] = []): unknown {
  if (ProviderError.isInstance(error)) return error;
  if (error instanceof Error && secrets.length > 0) {
    error.message = redactSecrets(error.message, secrets);
    // The stack embeds the message as it was when first read; redact it as well.
    if (typeof error.stack === 'string') error.stack = redactSecrets(error.stack, secrets);
  }

  if (error instanceof APIUserAbortError) {
    return new AbortError({ provider, message: 'anthropic request was aborted by its AbortSignal.', cause: error });
  }
  if (error instanceof APIConnectionError) {
    return createProviderError({ provider, vendorMessage: describeNetworkError(error), secrets, cause: error });
  }
  if (error instanceof APIError) {
    const body = (error.error ?? {}) as { error?: { type?: unknown; message?: unknown }; request_id?: unknown };
    const vendorType = typeof body.error?.type === 'string' ? body.error.type : (error.type ?? undefined);
    return createProviderError({
      provider,
      status: error.status ?? (vendorType === undefined ? undefined : statusByErrorType[vendorType]),
      vendorMessage: typeof body.error?.message === 'string' ? body.error.message : undefined,
      vendorType,
      requestId: error.requestID ?? (typeof body.request_id === 'string' ? body.request_id : undefined),
      headers: error.headers,
      secrets,
      cause: error,
    });
  }
  if (error instanceof SyntaxError) {
    return createProviderError({
      provider,
      vendorMessage: `malformed event in the response stream (${error.message})`,
      secrets,
      cause: error,
    });
  }
  if (isNetworkError(error)) {
    return createProviderError({ provider, vendorMessage: describeNetworkError(error), secrets, cause: error });
  }
  return error;
}
