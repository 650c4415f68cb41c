import { describe, expect, it } from 'vitest';
import { AbortError } from './abort-error.js';
import { AuthenticationError } from './authentication-error.js';
import { ContextLengthExceededError } from './context-length-exceeded-error.js';
import { DkError } from './dk-error.js';
import { InvalidRequestError } from './invalid-request-error.js';
import { InvalidResponseError } from './invalid-response-error.js';
import { ProviderError } from './provider-error.js';
import { ProviderUnavailableError } from './provider-unavailable-error.js';
import { RateLimitError } from './rate-limit-error.js';
import { StructuredOutputError } from './structured-output-error.js';
import { TimeoutError } from './timeout-error.js';

const base = { message: 'failed', provider: 'openai', status: 500, vendorType: 'server_error', requestId: 'req_1' };

describe('ProviderError', () => {
  it.each([
    [AuthenticationError, 'PROVIDER_AUTHENTICATION', false],
    [ContextLengthExceededError, 'PROVIDER_CONTEXT_LENGTH_EXCEEDED', false],
    [InvalidRequestError, 'PROVIDER_INVALID_REQUEST', false],
    [ProviderUnavailableError, 'PROVIDER_UNAVAILABLE', true],
    [AbortError, 'PROVIDER_ABORTED', false],
    [InvalidResponseError, 'PROVIDER_INVALID_RESPONSE', true],
  ] as const)('%o has a stable code and retryability', (ErrorClass, code, retryable) => {
    const error = new ErrorClass(base);
    expect(error.name).toBe(ErrorClass.errorName);
    expect(error.code).toBe(code);
    expect(error.isRetryable).toBe(retryable);
    expect(ProviderError.isInstance(error)).toBe(true);
    expect(DkError.isInstance(error)).toBe(true);
    expect(RateLimitError.isInstance(error)).toBe(false);
    expect(error.toJSON()).toMatchObject({
      provider: 'openai',
      status: 500,
      vendorType: 'server_error',
      requestId: 'req_1',
    });
  });

  it('carries retry-after on rate limits, the deadline on timeouts and issues on structured output', () => {
    const rateLimit = new RateLimitError({ ...base, status: 429, retryAfterMs: 1500 });
    expect(rateLimit.isRetryable).toBe(true);
    expect(rateLimit.toJSON()).toMatchObject({ retryAfterMs: 1500, code: 'PROVIDER_RATE_LIMIT' });
    const timeout = new TimeoutError({ ...base, timeoutMs: 200 });
    expect(timeout.isRetryable).toBe(false);
    expect(timeout.timeoutMs).toBe(200);
    const structured = new StructuredOutputError({
      ...base,
      text: '{"a":1}',
      issues: [{ path: '/a', message: 'must be string' }],
    });
    expect(structured.issues).toEqual([{ path: '/a', message: 'must be string' }]);
    expect(StructuredOutputError.isInstance(structured) && ProviderError.isInstance(structured)).toBe(true);
  });

  it('makes InvalidResponseError a ProviderUnavailableError, so handlers of that error catch it', () => {
    const error = new InvalidResponseError({ ...base, status: 200 });
    expect(ProviderUnavailableError.isInstance(error)).toBe(true);
    expect(error.isRetryable).toBe(true);
    expect(new ProviderUnavailableError(base).code).toBe('PROVIDER_UNAVAILABLE');
  });
});
