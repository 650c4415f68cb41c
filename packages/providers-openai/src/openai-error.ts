import { AbortError, ProviderError } from '@dk/spec';
import { createProviderError, describeNetworkError, isNetworkError, redactSecrets } from '@dk/provider-utils';
import { APIConnectionError, APIError, APIUserAbortError } from 'openai';

const provider = 'openai';

/**
 * Translates anything the OpenAI client throws during a call into a typed `ProviderError`
 * (via `createProviderError`), keeping the HTTP status, the vendor's error type and code, the
 * request id and `Retry-After` / `retry-after-ms`:
 *
 * - HTTP errors: 429 → `RateLimitError`; 401/403 → `AuthenticationError`; a context-length
 *   code → `ContextLengthExceededError`; 408/409/5xx → `ProviderUnavailableError`; other
 *   4xx → `InvalidRequestError`.
 * - An `{ error }` event inside a stream → classified by its type and code.
 * - Connection failures and resets, malformed SSE data (`SyntaxError`) →
 *   `ProviderUnavailableError`.
 * - The SDK's user-abort error → `AbortError` (the retry scope replaces it with the caller's
 *   own `AbortError` / `TimeoutError`).
 *
 * `secrets` (the API key) are redacted from every message, including the SDK error kept as
 * `cause`. Errors that are already `ProviderError`s and unrecognised errors (bugs) are
 * returned unchanged, so bugs are never retried or disguised.
 */
export function mapOpenAIError(error: unknown, secrets: readonly string[] = []): unknown {
  if (ProviderError.isInstance(error)) return error;
  if (error instanceof Error && secrets.length > 0) {
    error.message = redactSecrets(error.message, secrets);
    // The stack embeds the message as it was when first read; redact it as well.
    if (typeof error.stack === 'string') error.stack = redactSecrets(error.stack, secrets);
  }

  if (error instanceof APIUserAbortError) {
    return new AbortError({ provider, message: 'openai request was aborted by its AbortSignal.', cause: error });
  }
  if (error instanceof APIConnectionError) {
    return createProviderError({ provider, vendorMessage: describeNetworkError(error), secrets, cause: error });
  }
  if (error instanceof APIError) {
    const body = (error.error ?? {}) as { message?: unknown; type?: unknown; code?: unknown };
    const vendorType = typeof body.type === 'string' ? body.type : undefined;
    const vendorCode =
      typeof body.code === 'string' ? body.code : typeof body.code === 'number' ? String(body.code) : undefined;
    return createProviderError({
      provider,
      status: error.status ?? statusOfStreamError(vendorType, vendorCode),
      vendorMessage: typeof body.message === 'string' ? body.message : undefined,
      vendorType,
      vendorCode,
      requestId: error.requestID ?? undefined,
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

/**
 * An error event inside a 200 stream has no HTTP status; give it the status its type implies
 * so it is classified (and retried) like the equivalent HTTP error.
 */
function statusOfStreamError(vendorType: string | undefined, vendorCode: string | undefined): number | undefined {
  const kind = `${vendorType ?? ''} ${vendorCode ?? ''}`;
  if (/rate_limit|requests|tokens/.test(kind)) return 429;
  if (/context_length|invalid_request/.test(kind)) return 400;
  if (/authentication|invalid_api_key|permission/.test(kind)) return 401;
  return undefined;
}
