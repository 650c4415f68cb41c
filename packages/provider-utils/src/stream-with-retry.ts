import { ProviderError } from '@dk/spec';
import { CallScope } from './call-scope.js';
import { resolveRetryOptions, runAttempts } from './call-with-retry.js';
import type { AttemptContext, CallWithRetryOptions } from './call-with-retry.js';
import { withAttempts } from './with-attempts.js';

/** Settings of {@link streamWithRetry}: the retry policy of `callWithRetry`, plus stream options. */
export interface StreamWithRetryOptions<T> extends CallWithRetryOptions {
  /**
   * Whether an item is output the consumer must see, as opposed to leading metadata (OpenAI's
   * role chunk, Anthropic's `message_start`). Items before the first output item are held
   * back, so a failure before it is still retried; they are yielded, in order, with it.
   * Default: every item is output (the first item ends the retryable phase).
   */
  readonly isOutput?: ((item: T) => boolean) | undefined;
  /**
   * Translates a failure of the source stream (a rejected `next()`) into a `ProviderError`,
   * e.g. a vendor SDK's error; only `ProviderError`s can be retried. Default: unchanged.
   * Failures of `open` must be translated by `open` itself.
   */
  readonly mapError?: ((error: unknown) => unknown) | undefined;
}

type OpenedStream<T> = { readonly iterator: AsyncIterator<T>; readonly held: T[]; readonly ended: boolean };

const doneResult: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * Opens a stream with the retry policy of {@link callWithRetry} and yields its items.
 *
 * An attempt is "open the stream and receive its first output item" (see
 * {@link StreamWithRetryOptions.isOutput}): failures up to that point are retried like any
 * call, because the consumer has seen nothing yet. Once output arrived, a failure is thrown
 * as is (with `attempts`). The caller's `signal` and the `timeoutMs` deadline (which covers
 * the whole stream) end the iteration promptly with `AbortError` / `TimeoutError`, even while
 * waiting for the next item of a source that ignores the signal. Breaking out of the loop, an
 * error or an abort all close the underlying iterator and release the deadline timer and
 * signal listeners. Nothing starts before the first `next()`.
 *
 * Cost per item: one listener serves the whole stream; an item costs one promise only when a
 * signal or deadline exists, and none of the bookkeeping of an async generator layer.
 *
 * @example
 * yield* streamWithRetry(({ signal }) => client.stream(request, { signal }), {
 *   provider: 'openai',
 *   signal,
 *   isOutput: (chunk) => chunk.text !== '',
 * });
 */
export function streamWithRetry<T>(
  open: (context: AttemptContext) => Promise<AsyncIterable<T>> | AsyncIterable<T>,
  options: StreamWithRetryOptions<T>,
): AsyncIterableIterator<T, void, undefined> {
  return new RetryingStream(open, options);
}

class RetryingStream<T> implements AsyncIterableIterator<T, void, undefined> {
  readonly #open: (context: AttemptContext) => Promise<AsyncIterable<T>> | AsyncIterable<T>;
  readonly #options: StreamWithRetryOptions<T>;
  #scope: CallScope | undefined;
  #iterator: AsyncIterator<T> | undefined;
  #held: T[] = [];
  #heldIndex = 0;
  #sourceEnded = false;
  #done = false;
  /** The pending `next()` of the consumer (only one runs at a time). */
  #pending: Promise<IteratorResult<T, void>> | undefined;
  /** Rejects the consumer's pending `next()` when the scope aborts. */
  #rejectPending: ((error: unknown) => void) | undefined;
  #resolvePending: ((result: IteratorResult<T, void>) => void) | undefined;
  #removeAbortListener: (() => void) | undefined;
  /** An abort that happened while no `next()` was pending: the next call rejects with it. */
  #abortFailure: unknown;

  constructor(
    open: (context: AttemptContext) => Promise<AsyncIterable<T>> | AsyncIterable<T>,
    options: StreamWithRetryOptions<T>,
  ) {
    this.#open = open;
    this.#options = options;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T, void>> {
    if (this.#pending !== undefined) {
      // Calls overlap only when a consumer does not await; serve them in order.
      return this.#pending.then(
        () => this.next(),
        () => this.next(),
      );
    }
    if (this.#abortFailure !== undefined) {
      const failure = this.#abortFailure;
      this.#abortFailure = undefined;
      return Promise.reject(failure);
    }
    if (this.#done) return Promise.resolve(doneResult);
    if (this.#heldIndex < this.#held.length) return Promise.resolve(this.#takeHeld());
    const pending = this.#iterator === undefined ? this.#start() : this.#pull();
    // Cleared by whatever settles it (`#start`, `#onResult`, `#finish`); a stream that is
    // already done settled it synchronously.
    if (!this.#done) this.#pending = pending;
    return pending;
  }

  return(): Promise<IteratorResult<T, void>> {
    this.#finish(true);
    return Promise.resolve(doneResult);
  }

  throw(error?: unknown): Promise<IteratorResult<T, void>> {
    this.#finish(true);
    return Promise.reject(error);
  }

  #takeHeld(): IteratorResult<T, void> {
    const value = this.#held[this.#heldIndex] as T;
    this.#heldIndex += 1;
    if (this.#heldIndex === this.#held.length) {
      this.#held = [];
      this.#heldIndex = 0;
      if (this.#sourceEnded) this.#finish(false);
    }
    return { done: false, value };
  }

  async #start(): Promise<IteratorResult<T, void>> {
    try {
      return await this.#startOnce();
    } finally {
      this.#pending = undefined;
    }
  }

  async #startOnce(): Promise<IteratorResult<T, void>> {
    let scope: CallScope;
    let opened: OpenedStream<T>;
    try {
      const settings = resolveRetryOptions(this.#options);
      scope = new CallScope(this.#options);
      this.#scope = scope;
      opened = await runAttempts(scope, (context) => this.#attempt(context), this.#options, settings);
    } catch (error) {
      this.#finish(false);
      throw error;
    }
    if (this.#done) {
      // `return()` was called while opening.
      closeQuietly(opened.iterator);
      return doneResult;
    }
    this.#iterator = opened.iterator;
    this.#held = opened.held;
    this.#sourceEnded = opened.ended;
    if (!opened.ended && scope.canAbort) {
      this.#removeAbortListener = scope.onAbort(() => {
        const reject = this.#rejectPending;
        this.#rejectPending = undefined;
        this.#resolvePending = undefined;
        this.#finish(true);
        if (reject === undefined) this.#abortFailure = scope.failure();
        else reject(scope.failure());
      });
    }
    if (this.#held.length === 0) {
      this.#finish(false);
      return doneResult;
    }
    return this.#takeHeld();
  }

  /** One attempt: open the stream and read it up to and including its first output item. */
  async #attempt(context: AttemptContext): Promise<OpenedStream<T>> {
    const iterable = await this.#open(context);
    const iterator = iterable[Symbol.asyncIterator]();
    const isOutput = this.#options.isOutput;
    const held: T[] = [];
    try {
      for (;;) {
        const result = await iterator.next();
        if (result.done === true) return { iterator, held, ended: true };
        held.push(result.value);
        if (isOutput === undefined || isOutput(result.value)) {
          // Abandoned while this attempt was still running: nobody will read the stream.
          if (this.#done) closeQuietly(iterator);
          return { iterator, held, ended: false };
        }
        if (this.#scope?.aborted === true || this.#done) {
          // Abandoned (abort, deadline, or `return()`) while holding metadata back: stop reading.
          closeQuietly(iterator);
          return { iterator, held, ended: true };
        }
      }
    } catch (error) {
      closeQuietly(iterator);
      throw this.#mapError(error);
    }
  }

  #pull(): Promise<IteratorResult<T, void>> {
    const scope = this.#scope as CallScope;
    const iterator = this.#iterator as AsyncIterator<T>;
    const failure = scope.failure();
    if (failure !== undefined) {
      this.#finish(true);
      return Promise.reject(failure);
    }
    let next: Promise<IteratorResult<T>>;
    try {
      next = iterator.next();
    } catch (error) {
      return Promise.reject(this.#fail(error));
    }
    if (!scope.canAbort) return next.then(this.#onResult, this.#onError);
    // The consumer's promise can be rejected by the abort listener before the source settles.
    // Handlers are bound once per stream, so an item costs one promise and no closures.
    const pending = new Promise<IteratorResult<T, void>>(this.#capturePending);
    next.then(this.#onSourceResult, this.#onSourceError);
    return pending;
  }

  readonly #capturePending: (
    resolve: (result: IteratorResult<T, void>) => void,
    reject: (error: unknown) => void,
  ) => void = this.#storePending.bind(this);
  readonly #onSourceResult: (result: IteratorResult<T>) => void = this.#settleWithResult.bind(this);
  readonly #onSourceError: (error: unknown) => void = this.#settleWithError.bind(this);

  #storePending(resolve: (result: IteratorResult<T, void>) => void, reject: (error: unknown) => void): void {
    this.#resolvePending = resolve;
    this.#rejectPending = reject;
  }

  #settleWithResult(result: IteratorResult<T>): void {
    const resolve = this.#resolvePending;
    const reject = this.#rejectPending;
    // Nothing pending: the abort listener already rejected the consumer's promise.
    if (resolve === undefined || reject === undefined) return;
    this.#resolvePending = undefined;
    this.#rejectPending = undefined;
    if (this.#scope?.aborted === true) reject(this.#fail(undefined));
    else resolve(this.#handleResult(result));
  }

  #settleWithError(error: unknown): void {
    const reject = this.#rejectPending;
    if (reject === undefined) return;
    this.#resolvePending = undefined;
    this.#rejectPending = undefined;
    reject(this.#fail(error));
  }

  // Bound once per stream (not arrow fields: those get a per-instance name helper under tsx).
  readonly #onResult: (result: IteratorResult<T>) => IteratorResult<T, void> = this.#handleResult.bind(this);
  readonly #onError: (error: unknown) => never = this.#handleError.bind(this);

  #handleResult(result: IteratorResult<T>): IteratorResult<T, void> {
    this.#pending = undefined;
    if (result.done !== true) return result;
    this.#finish(false);
    return doneResult;
  }

  #handleError(error: unknown): never {
    throw this.#fail(error);
  }

  /** Ends the stream after a failure of the source; returns the error to throw. */
  #fail(error: unknown): unknown {
    const scope = this.#scope as CallScope;
    this.#finish(true);
    const failure = scope.failure();
    if (failure !== undefined) return failure;
    const mapped = this.#mapError(error);
    return ProviderError.isInstance(mapped) && mapped.attempts === undefined
      ? withAttempts(mapped, scope.attempts)
      : mapped;
  }

  #mapError(error: unknown): unknown {
    const mapError = this.#options.mapError;
    return mapError === undefined ? error : mapError(error);
  }

  /** Marks the stream done, releases the scope and, if asked, closes the source. Idempotent. */
  #finish(closeSource: boolean): void {
    this.#pending = undefined;
    if (this.#done) return;
    this.#done = true;
    this.#held = [];
    this.#heldIndex = 0;
    this.#removeAbortListener?.();
    this.#removeAbortListener = undefined;
    this.#scope?.dispose();
    if (closeSource && this.#iterator !== undefined && !this.#sourceEnded) closeQuietly(this.#iterator);
  }
}

/**
 * Asks an iterator to release its resources without waiting: an async generator suspended
 * in a pending `next()` only runs `return()` after that settles, and an aborted call must not
 * wait for it.
 */
function closeQuietly(iterator: AsyncIterator<unknown>): void {
  try {
    const pending = iterator.return?.();
    if (pending !== undefined) pending.then(undefined, () => undefined);
  } catch {
    // A failing cleanup must not hide the error that ended the stream.
  }
}
