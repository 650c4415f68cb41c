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
import { redactSecrets } from './redact-secrets.js';

/** What is known about a failed vendor call; see {@link createProviderError}. */
export interface CreateProviderErrorOptions {
  /** Provider id (`openai`, `anthropic`, …). */
  readonly provider: string;
  /** HTTP status; `undefined` for connection failures (reset, refused, DNS, malformed stream). */
  readonly status?: number | undefined;
  /** The vendor's error message; secrets are redacted from it. */
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
  /** Values that must never appear in the message (API keys, tokens). */
  readonly secrets?: Iterable<string | null | undefined> | undefined;
  readonly cause?: unknown;
}

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
 * | 408, 409, 5xx, 529, no status (connection failure) | `ProviderUnavailableError` | yes |
 * | other 4xx | `InvalidRequestError` | no |
 *
 * The message names the provider, the status and the vendor's type/code and message (with
 * `secrets` redacted), plus how to fix it.
 */
export function createProviderError(options: CreateProviderErrorOptions): ProviderError {
  const { provider, status, vendorType, vendorCode, requestId, cause } = options;
  const secrets = [...(options.secrets ?? [])];
  const vendorMessage = options.vendorMessage === undefined ? undefined : redactSecrets(options.vendorMessage, secrets);
  const base = { provider, status, vendorType, vendorCode, requestId, cause };
  const label = [status === undefined ? undefined : `HTTP ${status}`, vendorType, vendorCode]
    .filter((part): part is string => part !== undefined && part !== '')
    .join(', ');
  const describe = (what: string, fix: string): string =>
    `${provider} ${what}${label === '' ? '' : ` (${label})`}${vendorMessage === undefined || vendorMessage === '' ? '' : `: ${vendorMessage}`}. ${fix}`;

  if (status === 429) {
    const retryAfterMs = options.retryAfterMs ?? parseRetryAfter(options.headers);
    return new RateLimitError({
      ...base,
      retryAfterMs,
      message: describe('rate limit reached', 'Lower the request rate, raise maxRetries, or check your quota.'),
    });
  }
  if (status === 401 || status === 403) {
    return new AuthenticationError({
      ...base,
      message: describe(
        'rejected the credentials',
        'Check the API key passed in settings or the environment, and its permissions.',
      ),
    });
  }
  if (status === undefined || status === 408 || status === 409 || status >= 500) {
    return new ProviderUnavailableError({
      ...base,
      message: describe(
        status === undefined ? 'could not be reached or broke the connection' : 'is unavailable',
        'The call is retried with backoff; if it keeps failing, check the service status or the baseURL.',
      ),
    });
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
