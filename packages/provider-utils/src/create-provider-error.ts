import {
  AuthenticationError,
  ContextLengthExceededError,
  InvalidRequestError,
  ProviderUnavailableError,
  RateLimitError,
} from '@dk/spec';
import type { ProviderError } from '@dk/spec';
import { parseRetryAfter } from './parse-retry-after.js';
import type { HeadersLike } from './parse-retry-after.js';
import { joinSentences } from './join-sentences.js';
import { redactSecretValues } from './redact-secret-values.js';

/** What is known about a failed vendor call; see {@link createProviderError}. */
export interface CreateProviderErrorOptions {
  /** Provider id (`openai`, `anthropic`, …). */
  readonly provider: string;
  /** HTTP status of the failed response; `undefined` for connection failures and stream error events. */
  readonly status?: number | undefined;
  /**
   * True for an error event inside a successful (200) stream: described as such, classified
   * by {@link CreateProviderErrorOptions.impliedStatus} (the error's `status` stays undefined).
   */
  readonly inStream?: boolean | undefined;
  /** For a stream error event: the HTTP status its vendor type implies (`overloaded_error` → 529). */
  readonly impliedStatus?: number | undefined;
  /** The vendor's error message; `secrets` are redacted from it. */
  readonly vendorMessage?: string | undefined;
  /** The vendor's error type, e.g. `rate_limit_error`, `overloaded_error`. */
  readonly vendorType?: string | undefined;
  /** The vendor's error code, e.g. `context_length_exceeded`. */
  readonly vendorCode?: string | undefined;
  readonly requestId?: string | undefined;
  /** Response headers; `Retry-After` / `retry-after-ms` become `RateLimitError.retryAfterMs`. */
  readonly headers?: HeadersLike | undefined | null;
  /** An explicit retry hint in milliseconds; wins over the headers. */
  readonly retryAfterMs?: number | undefined;
  /**
   * Values that must never appear in the message (API keys). `BaseProvider` also removes its
   * secrets from the whole error (cause included) before it leaves the provider.
   */
  readonly secrets?: Iterable<string | null | undefined> | undefined;
  readonly cause?: unknown;
}

/** The fix of every retryable failure: what dk does about it, and what to check. */
export const retryHint =
  'Retried with backoff up to maxRetries (a stream only before its first output); if it keeps failing, check the service status or the baseURL.';

const contextLengthPattern =
  /context[_ ]length[_ ]exceeded|maximum context length|context window|prompt is too long|input is too long|too many (input )?tokens/i;

/**
 * Translates a vendor failure into the matching typed `ProviderError`:
 *
 * | condition | error | retryable |
 * |---|---|---|
 * | 429 | `RateLimitError` (with `retryAfterMs`) | yes |
 * | 401, 403 | `AuthenticationError` | no |
 * | 4xx whose code/message says the context overflowed | `ContextLengthExceededError` | no |
 * | 408, 409, 5xx, 529; a connection failure; a stream error event of no known status | `ProviderUnavailableError` | yes |
 * | other 4xx | `InvalidRequestError` | no |
 *
 * A stream error event is classified by its implied status. The message names the provider,
 * the status (or "in the response stream") and the vendor's type/code and message, plus how
 * to fix it.
 */
export function createProviderError(options: CreateProviderErrorOptions): ProviderError {
  const { provider, status, inStream = false, vendorType, vendorCode, requestId, cause } = options;
  const vendorMessage =
    options.vendorMessage === undefined || options.secrets === undefined
      ? options.vendorMessage
      : redactSecretValues(options.vendorMessage, options.secrets);
  const effectiveStatus = status ?? (inStream ? options.impliedStatus : undefined);
  const base = { provider, status, vendorType, vendorCode, requestId, cause };
  const where = status !== undefined ? `HTTP ${status}` : inStream ? 'in the response stream' : undefined;
  const label = [where, vendorType, vendorCode].filter((part) => part !== undefined && part !== '').join(', ');
  const describe = (what: string, fix: string): string =>
    joinSentences(
      `${provider} ${what}${label === '' ? '' : ` (${label})`}${vendorMessage === undefined || vendorMessage === '' ? '' : `: ${vendorMessage}`}`,
      fix,
    );

  if (effectiveStatus === 429) {
    const retryAfterMs = options.retryAfterMs ?? parseRetryAfter(options.headers);
    return new RateLimitError({
      ...base,
      retryAfterMs,
      message: describe('rate limit reached', 'Lower the request rate, raise maxRetries, or check your quota.'),
    });
  }
  if (effectiveStatus === 401 || effectiveStatus === 403) {
    return new AuthenticationError({
      ...base,
      message: describe(
        'rejected the credentials',
        'Check the API key passed in settings or the environment, and its permissions.',
      ),
    });
  }
  if (effectiveStatus === undefined || effectiveStatus === 408 || effectiveStatus === 409 || effectiveStatus >= 500) {
    const what =
      effectiveStatus !== undefined ? 'is unavailable' : inStream ? 'reported an error' : 'connection failed';
    return new ProviderUnavailableError({ ...base, message: describe(what, retryHint) });
  }
  if (contextLengthPattern.test(vendorCode ?? '') || contextLengthPattern.test(vendorMessage ?? '')) {
    return new ContextLengthExceededError({
      ...base,
      message: describe("request exceeds the model's context window", 'Shorten the messages or lower maxTokens.'),
    });
  }
  return new InvalidRequestError({
    ...base,
    message: describe('rejected the request', 'Fix the request settings named in the vendor message.'),
  });
}
