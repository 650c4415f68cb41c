import { AbortError, TimeoutError } from '@dk/spec';
import type { ProviderError } from '@dk/spec';
import { withAttempts } from './with-attempts.js';

const maxTimerDelayMs = 2_147_483_647;

/** Settings of a {@link CallScope}. */
export interface CallScopeOptions {
  /** Provider id used in errors. */
  readonly provider: string;
  /** The caller's signal; aborting it ends the call with `AbortError`. */
  readonly signal?: AbortSignal | undefined;
  /** Deadline of the whole call (every attempt and backoff) in milliseconds; `TimeoutError` when exceeded. */
  readonly timeoutMs?: number | undefined;
}

/**
 * The lifetime of one provider call: combines the caller's signal and the call deadline into
 * one {@link CallScope.signal}, lets any promise be raced against them, and builds the typed
 * `AbortError` / `TimeoutError` when one fires. Always {@link CallScope.dispose} it: that
 * clears the deadline timer and removes the listener from the caller's signal.
 */
export class CallScope {
  /** Attempts started so far; recorded on the errors this scope builds. */
  attempts = 0;

  readonly #provider: string;
  readonly #callerSignal: AbortSignal | undefined;
  readonly #timeoutMs: number | undefined;
  // Created on first use of `signal`: AbortSignals are costly to construct in Node.
  #controller: AbortController | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** `performance.now()` at which the deadline passes, when there is an enforced deadline. */
  #deadlineAt: number | undefined;
  #reason: 'abort' | 'timeout' | undefined;
  #failure: ProviderError | undefined;
  /** Without a caller signal or a deadline nothing can abort the scope, so races are skipped. */
  readonly #canAbort: boolean;
  // Called with the failure when the scope aborts: `race` rejecters and `onAbort` listeners.
  // Created on first use, and no per-scope closures: a scope is made for every call.
  #abortListeners: Set<(failure: ProviderError | undefined) => void> | undefined;
  #onCallerAbort: (() => void) | undefined;

  /** `timeoutMs` must be a positive number (checked by the caller). */
  constructor({ provider, signal, timeoutMs }: CallScopeOptions) {
    this.#provider = provider;
    this.#canAbort = signal !== undefined || (timeoutMs !== undefined && timeoutMs <= maxTimerDelayMs);
    this.#callerSignal = signal;
    this.#timeoutMs = timeoutMs;
    if (signal?.aborted === true) {
      this.#abort('abort');
      return;
    }
    if (signal !== undefined) {
      this.#onCallerAbort = this.#abort.bind(this, 'abort');
      signal.addEventListener('abort', this.#onCallerAbort, { once: true });
    }
    // setTimeout fires at once for delays beyond 2^31 - 1 ms; such deadlines mean "none".
    if (timeoutMs !== undefined && timeoutMs <= maxTimerDelayMs) {
      this.#deadlineAt = performance.now() + timeoutMs;
      this.#timer = setTimeout(() => {
        this.#abort('timeout');
      }, timeoutMs);
      // The deadline alone must not keep the process alive; the request it guards does.
      this.#timer.unref?.();
    }
  }

  /**
   * Aborted when the caller aborts or the deadline passes: pass it to every request. A signal of
   * this call, made on first read (AbortSignals are costly in Node), or `undefined` when nothing
   * can abort the call. Never the caller's own signal: vendor clients add a listener to the
   * signal they are given and never remove it, which would pile up on a long-lived caller signal.
   */
  get signal(): AbortSignal | undefined {
    if (!this.#canAbort) return undefined;
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.failure());
    }
    return this.#controller.signal;
  }

  /** The provider id this scope's errors name. */
  get provider(): string {
    return this.#provider;
  }

  /**
   * Milliseconds left before the deadline (at least 1), or `undefined` without an enforced
   * deadline. Lets a request carry the deadline as its own timeout instead of a signal.
   */
  remainingMs(): number | undefined {
    if (this.#deadlineAt === undefined) return undefined;
    return Math.max(1, Math.ceil(this.#deadlineAt - performance.now()));
  }

  /** True once the caller aborted or the deadline passed. */
  get aborted(): boolean {
    return this.#reason !== undefined;
  }

  /**
   * The `AbortError` or `TimeoutError` ending this call (with `attempts`), or `undefined`
   * while the call may continue. The same instance is returned every time.
   */
  failure(): ProviderError | undefined {
    // A deadline whose timer has not fired yet (timers may run late) has passed all the same:
    // an attempt the SDK ended at its own timeout is then a timeout, not a retryable failure.
    if (this.#reason === undefined && this.#deadlineAt !== undefined && performance.now() >= this.#deadlineAt) {
      this.#abort('timeout');
    }
    if (this.#reason === undefined) return undefined;
    this.#failure ??= this.#buildFailure(this.#reason);
    return this.#failure;
  }

  /**
   * Settles like `promise`, but rejects with {@link CallScope.failure} as soon as the scope
   * aborts, even if `promise` ignores the signal. A rejection of `promise` after the abort is
   * also replaced by the failure, so a vendor SDK's own abort error never leaks out.
   */
  race<T>(promise: Promise<T>): Promise<T> {
    if (!this.#canAbort) return promise;
    if (this.aborted) {
      promise.catch(() => undefined);
      return Promise.reject(this.failure());
    }
    const listeners = (this.#abortListeners ??= new Set());
    return new Promise<T>((resolve, reject) => {
      listeners.add(reject);
      promise.then(
        (value) => {
          listeners.delete(reject);
          if (this.aborted) reject(this.failure());
          else resolve(value);
        },
        (error: unknown) => {
          listeners.delete(reject);
          reject(this.aborted ? this.failure() : error);
        },
      );
    });
  }

  /** Whether the caller gave a signal. */
  get hasCallerSignal(): boolean {
    return this.#callerSignal !== undefined;
  }

  /** False when neither a caller signal nor a deadline exists: then the scope can never abort. */
  get canAbort(): boolean {
    return this.#canAbort;
  }

  /**
   * Calls `listener` once when the scope aborts (never if it already has: check
   * {@link CallScope.aborted} first). Returns a function that removes the listener. One
   * listener for a whole stream is much cheaper than a {@link CallScope.race} per item.
   */
  onAbort(listener: () => void): () => void {
    const listeners = (this.#abortListeners ??= new Set());
    listeners.add(listener);
    return listeners.delete.bind(listeners, listener);
  }

  /** Clears the deadline timer and detaches from the caller's signal. Idempotent. */
  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#onCallerAbort !== undefined) this.#callerSignal?.removeEventListener('abort', this.#onCallerAbort);
  }

  #abort(reason: 'abort' | 'timeout'): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    this.dispose();
    const failure = this.failure();
    this.#controller?.abort(failure);
    const listeners = this.#abortListeners;
    if (listeners === undefined) return;
    this.#abortListeners = undefined;
    for (const listener of listeners) listener(failure);
  }

  #buildFailure(reason: 'abort' | 'timeout'): ProviderError {
    const provider = this.#provider;
    const attempts = this.attempts;
    const attemptText = `${attempts} attempt${attempts === 1 ? '' : 's'}`;
    if (reason === 'timeout') {
      const timeoutMs = this.#timeoutMs ?? 0;
      return withAttempts(
        new TimeoutError({
          provider,
          timeoutMs,
          message: `${provider} call did not finish within timeoutMs=${timeoutMs} (${attemptText}). Raise timeoutMs or lower maxRetries.`,
        }),
        attempts,
      );
    }
    return withAttempts(
      new AbortError({
        provider,
        message: `${provider} call was aborted by the caller's AbortSignal (${attemptText}).`,
        cause: this.#callerSignal?.reason,
      }),
      attempts,
    );
  }
}
