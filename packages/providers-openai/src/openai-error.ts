import { AbortError } from '@dk/spec';
import { createProviderError, describeNetworkError, mapCommonError } from '@dk/provider-utils';
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
 * - An `{ error }` event inside a 200 stream → classified by its type and code, described as
 *   an error in the response stream.
 * - Connection failures → `ProviderUnavailableError`; the SDK's user-abort error →
 *   `AbortError` (replaced by the call's own `AbortError` / `TimeoutError`); unparsable bodies
 *   and events, and bodies cut off, as `mapCommonError` says.
 *
 * Secrets are removed by `BaseProvider` from the whole error, the SDK error kept as `cause`
 * included. Unrecognised errors (bugs) are returned unchanged, so they are never retried.
 */
export function mapOpenAIError(error: unknown): unknown {
  if (error instanceof APIUserAbortError) {
    return new AbortError({ provider, message: 'openai request was aborted by its AbortSignal.', cause: error });
  }
  if (error instanceof APIConnectionError) {
    return createProviderError({ provider, vendorMessage: describeNetworkError(error), cause: error });
  }
  if (error instanceof APIError) {
    const body = (error.error ?? {}) as { message?: unknown; type?: unknown; code?: unknown };
    const vendorType = typeof body.type === 'string' ? body.type : undefined;
    const vendorCode =
      typeof body.code === 'string' ? body.code : typeof body.code === 'number' ? String(body.code) : undefined;
    // The SDK raises an `{ error }` event of a 200 stream as an APIError without a status.
    const inStream = error.status === undefined;
    return createProviderError({
      provider,
      status: error.status,
      inStream,
      impliedStatus: inStream ? statusOfStreamError(vendorType, vendorCode) : undefined,
      vendorMessage: typeof body.message === 'string' ? body.message : undefined,
      vendorType,
      vendorCode,
      requestId: error.requestID ?? undefined,
      headers: error.headers,
      cause: error,
    });
  }
  return mapCommonError(provider, error);
}

/** The HTTP status an error event's type implies, so it is classified (and retried) like it. */
function statusOfStreamError(vendorType: string | undefined, vendorCode: string | undefined): number | undefined {
  const kind = `${vendorType ?? ''} ${vendorCode ?? ''}`;
  if (/rate_limit|requests|tokens/.test(kind)) return 429;
  if (/context_length|invalid_request/.test(kind)) return 400;
  if (/authentication|invalid_api_key|permission/.test(kind)) return 401;
  return undefined;
}
