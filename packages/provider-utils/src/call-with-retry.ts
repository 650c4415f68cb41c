import { InvalidRequestError, ProviderError } from '@dk/spec';
import { abortableDelay } from './abortable-delay.js';
import { CallScope } from './call-scope.js';
import { computeRetryDelay } from './compute-retry-delay.js';
import { defaultRetrySettings } from './retry-settings.js';
import { withAttempts } from './with-attempts.js';

/** What each attempt of {@link callWithRetry} receives. */
export interface AttemptContext {
  /** 1 for the first attempt, 2 for the first retry, … */
  readonly attemptNumber: number;
  /**
   * Aborted when the caller's signal aborts or the call deadline passes. Pass it to the
   * request (fetch, SDK call) so the in-flight attempt is cancelled too.
   */
  readonly signal: AbortSignal;
  /**
   * The caller's own signal, if any. With {@link AttemptContext.remainingMs} and
   * {@link AttemptContext.onAbort} it lets an attempt avoid building {@link AttemptContext.signal}
   * (a combined signal costs tens of microseconds in vendor SDKs): pass the caller's signal and
   * the remaining time as the request's timeout, and abort the response body through `onAbort`.
   */
  readonly callerSignal: AbortSignal | undefined;
  /** Milliseconds left before the call deadline (at least 1), or `undefined` without a deadline. */
  readonly remainingMs: number | undefined;
  /**
   * Calls `listener` once when the call is aborted or its deadline passes (at once if that
   * already happened), e.g. to abort a response body the attempt has handed out.
   */
  onAbort(listener: () => void): void;
}

/** Information passed to {@link CallWithRetryOptions.onRetry} before each backoff. */
export interface RetryEvent {
  /** The attempt that failed, 1-based. */
  readonly attemptNumber: number;
  readonly error: ProviderError;
  /** How long the backoff will wait, in milliseconds. */
  readonly delayMs: number;
}

/** Settings of {@link callWithRetry} and {@link streamWithRetry}. */
export interface CallWithRetryOptions {
  /** Provider id used in errors (`openai`, `echo`, …). */
  readonly provider: string;
  /** Retries after the first attempt. Default 2. */
  readonly maxRetries?: number | undefined;
  /** Backoff base in milliseconds. Default 500. */
  readonly baseDelayMs?: number | undefined;
  /** Cap of one backoff wait (and of `Retry-After` hints) in milliseconds. Default 30 000. */
  readonly maxDelayMs?: number | undefined;
  /** The caller's signal: aborting it ends the call at once with `AbortError`. */
  readonly signal?: AbortSignal | undefined;
  /** Deadline of the whole call, retries and backoff included, in ms: `TimeoutError` when exceeded. */
  readonly timeoutMs?: number | undefined;
  /** Uniform random source in [0, 1) for jitter (inject for deterministic tests). Default `Math.random`. */
  readonly random?: (() => number) | undefined;
  /**
   * Waits between attempts (inject for deterministic tests). Default: a real, abortable,
   * timer (kept referenced so the process does not exit mid-backoff). Abort and the deadline cut through it whatever it does.
   */
  readonly sleep?: ((ms: number, signal: AbortSignal) => Promise<void>) | undefined;
  /** Called before each backoff wait, e.g. to log the retry. Must not throw. */
  readonly onRetry?: ((event: RetryEvent) => void) | undefined;
}

interface ResolvedRetry {
  readonly maxRetries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * Runs `attempt`, retrying failures whose `ProviderError.isRetryable` is true with
 * exponential backoff and full jitter, honouring a `retryAfterMs` hint (capped by
 * `maxDelayMs`), at most `maxRetries` times.
 *
 * - Errors that are not retryable (validation, authentication, context length, …) and
 *   errors that are not `ProviderError`s are thrown at once; attempts must translate vendor
 *   failures into `ProviderError` subclasses.
 * - The caller's `signal` and the `timeoutMs` deadline cut through an in-flight attempt and
 *   a backoff wait immediately, throwing `AbortError` / `TimeoutError`.
 * - Every `ProviderError` thrown carries `attempts`, the number of attempts made.
 * - Timers are cleared and listeners removed when the call settles.
 *
 * @example
 * const response = await callWithRetry(
 *   ({ signal }) => client.send(request, { signal }),
 *   { provider: 'openai', maxRetries: 2, signal: options.signal, timeoutMs: options.timeoutMs },
 * );
 */
export async function callWithRetry<T>(
  attempt: (context: AttemptContext) => Promise<T>,
  options: CallWithRetryOptions,
): Promise<T> {
  const settings = resolveRetryOptions(options);
  const scope = new CallScope(options);
  try {
    return await runAttempts(scope, attempt, options, settings);
  } finally {
    scope.dispose();
  }
}

/** @internal Validates and fills in the retry settings. */
export function resolveRetryOptions(options: CallWithRetryOptions): ResolvedRetry {
  const maxRetries = options.maxRetries ?? defaultRetrySettings.maxRetries;
  const baseDelayMs = options.baseDelayMs ?? defaultRetrySettings.baseDelayMs;
  const maxDelayMs = options.maxDelayMs ?? defaultRetrySettings.maxDelayMs;
  if (!Number.isInteger(maxRetries) || maxRetries < 0)
    throw invalidSetting(options.provider, 'maxRetries', maxRetries, 'a non-negative integer');
  if (!Number.isFinite(baseDelayMs) || baseDelayMs < 0)
    throw invalidSetting(options.provider, 'retry.baseDelayMs', baseDelayMs, 'a non-negative number');
  if (!Number.isFinite(maxDelayMs) || maxDelayMs < 0)
    throw invalidSetting(options.provider, 'retry.maxDelayMs', maxDelayMs, 'a non-negative number');
  return { maxRetries, baseDelayMs, maxDelayMs };
}

function invalidSetting(provider: string, setting: string, value: number, rule: string): InvalidRequestError {
  return new InvalidRequestError({
    provider,
    message: `${provider}: ${setting} must be ${rule}, got ${String(value)}.`,
  });
}

/** An {@link AttemptContext} whose signal is only built when read (AbortSignals are costly in Node). */
class LazyAttemptContext implements AttemptContext {
  readonly attemptNumber: number;
  readonly #scope: CallScope;

  constructor(attemptNumber: number, scope: CallScope) {
    this.attemptNumber = attemptNumber;
    this.#scope = scope;
  }

  get signal(): AbortSignal {
    return this.#scope.signal;
  }

  get callerSignal(): AbortSignal | undefined {
    return this.#scope.callerSignal;
  }

  get remainingMs(): number | undefined {
    return this.#scope.remainingMs();
  }

  onAbort(listener: () => void): void {
    if (this.#scope.aborted) listener();
    else this.#scope.onAbort(listener);
  }
}

/** @internal The retry loop, inside a scope the caller owns and disposes. */
export async function runAttempts<T>(
  scope: CallScope,
  attempt: (context: AttemptContext) => Promise<T>,
  options: CallWithRetryOptions,
  settings: ResolvedRetry,
): Promise<T> {
  const sleep = options.sleep ?? abortableDelay;
  for (let attemptNumber = 1; ; attemptNumber += 1) {
    const failure = scope.failure();
    if (failure !== undefined) throw failure;
    scope.attempts = attemptNumber;
    try {
      return await scope.race(
        // A synchronous throw of `attempt` lands in the catch below like a rejection.
        attempt(new LazyAttemptContext(attemptNumber, scope)),
      );
    } catch (error) {
      const scopeFailure = scope.failure();
      if (scopeFailure !== undefined) throw scopeFailure;
      if (!ProviderError.isInstance(error)) throw error;
      if (!error.isRetryable || attemptNumber > settings.maxRetries) {
        throw withAttempts(error, attemptNumber);
      }
      const delayMs = computeRetryDelay({
        attemptNumber,
        error,
        baseDelayMs: settings.baseDelayMs,
        maxDelayMs: settings.maxDelayMs,
        random: options.random,
      });
      options.onRetry?.({ attemptNumber, error, delayMs });
      await scope.race(sleep(delayMs, scope.signal));
    }
  }
}
