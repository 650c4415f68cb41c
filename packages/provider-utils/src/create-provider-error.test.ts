import {
  AuthenticationError,
  ContextLengthExceededError,
  InvalidRequestError,
  ProviderUnavailableError,
  RateLimitError,
} from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { createProviderError, retryHint } from './create-provider-error.js';

describe('createProviderError', () => {
  it('maps statuses to typed, correctly retryable errors', () => {
    const cases: [number | undefined, (error: unknown) => boolean, boolean][] = [
      [429, (error) => RateLimitError.isInstance(error), true],
      [401, (error) => AuthenticationError.isInstance(error), false],
      [403, (error) => AuthenticationError.isInstance(error), false],
      [400, (error) => InvalidRequestError.isInstance(error), false],
      [404, (error) => InvalidRequestError.isInstance(error), false],
      [422, (error) => InvalidRequestError.isInstance(error), false],
      [408, (error) => ProviderUnavailableError.isInstance(error), true],
      [409, (error) => ProviderUnavailableError.isInstance(error), true],
      [500, (error) => ProviderUnavailableError.isInstance(error), true],
      [529, (error) => ProviderUnavailableError.isInstance(error), true],
      [undefined, (error) => ProviderUnavailableError.isInstance(error), true],
    ];
    for (const [status, check, retryable] of cases) {
      const error = createProviderError({ provider: 'acme', status });
      expect(check(error), `status ${String(status)}`).toBe(true);
      expect(error.isRetryable).toBe(retryable);
      expect(error.status).toBe(status);
    }
  });

  it('recognises context overflow by code or message', () => {
    expect(
      ContextLengthExceededError.isInstance(
        createProviderError({ provider: 'acme', status: 400, vendorCode: 'context_length_exceeded' }),
      ),
    ).toBe(true);
    expect(
      ContextLengthExceededError.isInstance(
        createProviderError({ provider: 'acme', status: 400, vendorMessage: 'prompt is too long: 300000 tokens' }),
      ),
    ).toBe(true);
  });

  it('reads the retry hint from headers', () => {
    const error = createProviderError({ provider: 'acme', status: 429, headers: { 'retry-after': '3' } });
    expect((error as RateLimitError).retryAfterMs).toBe(3000);
  });

  it('keeps vendor details but redacts secrets from the message', () => {
    const error = createProviderError({
      provider: 'acme',
      status: 401,
      vendorType: 'authentication_error',
      vendorMessage: 'Incorrect API key provided: sk-canary-123',
      requestId: 'req_1',
      secrets: ['sk-canary-123'],
    });
    expect(error.message).toContain('HTTP 401, authentication_error');
    expect(error.message).toContain('[REDACTED]');
    expect(error.message).not.toContain('sk-canary-123');
    expect(error.vendorType).toBe('authentication_error');
    expect(error.requestId).toBe('req_1');
  });

  it('describes a stream error event as such, classified by its implied status', () => {
    const overloaded = createProviderError({
      provider: 'acme',
      inStream: true,
      impliedStatus: 529,
      vendorType: 'overloaded_error',
      vendorMessage: 'Overloaded',
    });
    expect(ProviderUnavailableError.isInstance(overloaded)).toBe(true);
    expect(overloaded.status).toBeUndefined();
    expect(overloaded.message).toBe(
      'acme is unavailable (in the response stream, overloaded_error): Overloaded. ' + retryHint,
    );
    const unknown = createProviderError({ provider: 'acme', inStream: true, vendorMessage: 'boom' });
    expect(unknown.message).toMatch(/^acme reported an error \(in the response stream\): boom\. Retried/);
    const limited = createProviderError({ provider: 'acme', inStream: true, impliedStatus: 429 });
    expect(RateLimitError.isInstance(limited)).toBe(true);
    expect(createProviderError({ provider: 'acme' }).message).toMatch(/^acme connection failed\. Retried/);
  });

  it('never doubles the full stop after a vendor message', () => {
    for (const vendorMessage of ['Bad key.', 'Bad key', 'Bad key. ', 'Really?']) {
      const error = createProviderError({ provider: 'acme', status: 401, vendorMessage });
      expect(error.message).not.toMatch(/\.\s*\./);
      expect(error.message).toMatch(/(key|\?)[.]? Check the API key/);
    }
  });
});
