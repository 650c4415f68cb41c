import { trace } from '@opentelemetry/api';
import { ProviderError } from '@dk/spec';
import { abortableDelay } from './abortable-delay.js';
import type { CallScope } from './call-scope.js';
import { computeRetryDelay } from './compute-retry-delay.js';
import type { AttemptOptions } from './provider-model.js';
import { withAttempts } from './with-attempts.js';

/** The resolved retry policy of one call. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly maxRetries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** One call's attempts: its scope, policy and headers, and how failures are translated. */
export interface AttemptsOptions {
  readonly scope: CallScope;
  readonly policy: RetryPolicy;
  readonly headers: Record<string, string> | undefined;
  /** Translates what an attempt threw into a `ProviderError` (vendor errors); others are bugs. */
  readonly mapError: (error: unknown) => unknown;
  /**
   * A stream's attempts get no signal when the caller gave none: the deadline closes the stream
   * instead (vendor clients spend tens of microseconds on every signal they are given).
   */
  readonly streaming?: boolean;
}

/**
 * Runs `attempt` until it succeeds, retrying failures whose (mapped) `ProviderError.isRetryable`
 * is true with exponential backoff and full jitter, honouring a `retryAfterMs` hint (capped by
 * `maxDelayMs`), at most `maxRetries` times.
 *
 * - Errors that are not retryable, and errors that are not `ProviderError`s once mapped (bugs),
 *   are thrown at once.
 * - The scope's signal and deadline cut through an in-flight attempt and a backoff wait
 *   immediately with its `AbortError` / `TimeoutError`; any failure after that is replaced by it.
 * - Every `ProviderError` thrown carries `attempts`; `scope.attempts` counts the attempts made.
 */
export async function runAttempts<Call extends AttemptsOptions, T>(
  call: Call,
  attempt: (call: Call, options: AttemptOptions) => Promise<T>,
): Promise<T> {
  // `attempt` takes the call rather than closing over it: no function is made per call.
  const { scope, policy, headers, mapError } = call;
  const withSignal = call.streaming !== true || scope.hasCallerSignal;
  for (let attemptNumber = 1; ; attemptNumber += 1) {
    const failure = scope.failure();
    if (failure !== undefined) throw failure;
    scope.attempts = attemptNumber;
    try {
      // A synchronous throw of `attempt` lands in the catch below like a rejection.
      const signal = withSignal ? scope.signal : undefined;
      return await scope.race(attempt(call, { signal, timeoutMs: scope.remainingMs(), headers }));
    } catch (thrown) {
      const scopeFailure = scope.failure();
      if (scopeFailure !== undefined) throw scopeFailure;
      const error = mapError(thrown);
      if (!ProviderError.isInstance(error)) throw error;
      if (!error.isRetryable || attemptNumber > policy.maxRetries) throw withAttempts(error, attemptNumber);
      const delayMs = computeRetryDelay({
        attemptNumber,
        error,
        baseDelayMs: policy.baseDelayMs,
        maxDelayMs: policy.maxDelayMs,
      });
      recordRetry(attemptNumber, error, delayMs);
      await scope.race(abortableDelay(delayMs, scope.signal));
    }
  }
}

/**
 * Adds a `dk.provider.retry` event to the active span (the caller's model-call span, when it
 * runs the call in that span's context): the failed attempt, the error's code and the backoff.
 * A no-op without an OpenTelemetry SDK. Never the error's message, which may quote a request.
 */
function recordRetry(attemptNumber: number, error: ProviderError, delayMs: number): void {
  const span = trace.getActiveSpan();
  if (span === undefined || !span.isRecording()) return;
  span.addEvent('dk.provider.retry', {
    'dk.retry.attempt': attemptNumber,
    'dk.retry.delay_ms': Math.round(delayMs),
    'error.type': error.code,
    ...(error.status === undefined ? {} : { 'http.response.status_code': error.status }),
  });
}
