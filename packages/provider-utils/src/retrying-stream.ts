import { ProviderError } from '@dk/spec';
import type { CompletionOptions, EndPart, LLMInput, StreamPart } from '@dk/spec';
import { createInvalidResponseError } from './create-invalid-response-error.js';
import type { AttemptOptions, ModelRequest } from './provider-model.js';
import { runAttempts } from './run-attempts.js';
import type { AttemptsOptions } from './run-attempts.js';
import { withAttempts } from './with-attempts.js';

/** One prepared stream call, made on the first `next()` (so input errors reject it, not `stream()`). */
export interface StreamCall extends AttemptsOptions {
  readonly request: ModelRequest;
  /** Opens one attempt's stream of parts. */
  readonly open: (request: ModelRequest, options: AttemptOptions) => Promise<AsyncIterable<StreamPart>>;
  /** The last part, with the call's attempt count (and anything else the wrapper adds). */
  readonly finishEnd: (end: EndPart, attempts: number) => EndPart;
  /** What every error goes through before it reaches the consumer (secret redaction). */
  readonly leave: (error: unknown) => unknown;
}

/** Checks a stream call and sets it up (throws for invalid input or options). */
export type StartStream = (input: LLMInput, options: CompletionOptions) => StreamCall;

type Opened = { readonly iterator: AsyncIterator<StreamPart>; readonly first: StreamPart };

const doneResult: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * The stream `BaseProvider.stream` returns. An attempt is "open the stream and receive its
 * first part": failures up to then are retried like any call (the consumer has seen nothing);
 * after that a failure is thrown with `attempts` and not retried. The caller's signal and the
 * deadline (which covers the whole stream) end the iteration at once with `AbortError` /
 * `TimeoutError`, even while the source is waiting for the vendor; breaking out of the loop, an
 * error or an abort close the source and release the timer and listeners. Nothing starts
 * before the first `next()`.
 *
 * Cost per part: one listener serves the whole stream; a part costs one promise only when a
 * signal or deadline exists, and none of the bookkeeping of an async generator layer.
 */
export class RetryingStream implements AsyncIterableIterator<StreamPart, void, undefined> {
  readonly #start: StartStream;
  readonly #input: LLMInput;
  readonly #options: CompletionOptions;
  #call: StreamCall | undefined;
  #iterator: AsyncIterator<StreamPart> | undefined;
  #done = false;
  /** The pending `next()` of the consumer (only one runs at a time). */
  #pending: Promise<IteratorResult<StreamPart, void>> | undefined;
  /** Rejects the consumer's pending `next()` when the scope aborts. */
  #rejectPending: ((error: unknown) => void) | undefined;
  #resolvePending: ((result: IteratorResult<StreamPart, void>) => void) | undefined;
  #removeAbortListener: (() => void) | undefined;
  /** An abort that happened while no `next()` was pending: the next call rejects with it. */
  #abortFailure: unknown;

  /** @param start Checks the call and sets it up; called with `input` and `options` on the first `next()`. */
  constructor(start: StartStream, input: LLMInput, options: CompletionOptions) {
    this.#start = start;
    this.#input = input;
    this.#options = options;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<StreamPart, void>> {
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
    const pending = this.#iterator === undefined ? this.#begin() : this.#pull();
    // Cleared by whatever settles it; a stream that is already done settled it synchronously.
    if (!this.#done) this.#pending = pending;
    return pending;
  }

  return(): Promise<IteratorResult<StreamPart, void>> {
    this.#finish(true);
    return Promise.resolve(doneResult);
  }

  throw(error?: unknown): Promise<IteratorResult<StreamPart, void>> {
    this.#finish(true);
    return Promise.reject(error);
  }

  async #begin(): Promise<IteratorResult<StreamPart, void>> {
    try {
      return await this.#beginOnce();
    } finally {
      this.#pending = undefined;
    }
  }

  async #beginOnce(): Promise<IteratorResult<StreamPart, void>> {
    let call: StreamCall | undefined;
    let opened: Opened;
    try {
      call = this.#start(this.#input, this.#options);
      this.#call = call;
      opened = await runAttempts(call, openFirstPart);
    } catch (error) {
      this.#finish(false);
      throw call === undefined ? error : call.leave(error);
    }
    if (this.#done) {
      // `return()` was called while opening.
      closeQuietly(opened.iterator);
      return doneResult;
    }
    this.#iterator = opened.iterator;
    const scope = call.scope;
    if (scope.canAbort) {
      this.#removeAbortListener = scope.onAbort(() => {
        const reject = this.#rejectPending;
        this.#rejectPending = undefined;
        this.#resolvePending = undefined;
        this.#finish(true);
        const failure = (this.#call as StreamCall).leave(scope.failure());
        if (reject === undefined) this.#abortFailure = failure;
        else reject(failure);
      });
    }
    return this.#handleResult({ done: false, value: opened.first });
  }

  #pull(): Promise<IteratorResult<StreamPart, void>> {
    const scope = (this.#call as StreamCall).scope;
    const iterator = this.#iterator as AsyncIterator<StreamPart>;
    const failure = scope.failure();
    if (failure !== undefined) {
      this.#finish(true);
      return Promise.reject((this.#call as StreamCall).leave(failure));
    }
    let next: Promise<IteratorResult<StreamPart>>;
    try {
      next = iterator.next();
    } catch (error) {
      return Promise.reject(this.#fail(error));
    }
    if (!scope.canAbort) return next.then(this.#onResult, this.#onError);
    // The consumer's promise can be rejected by the abort listener before the source settles.
    // Handlers are bound once per stream, so a part costs one promise and no closures.
    const pending = new Promise<IteratorResult<StreamPart, void>>(this.#capturePending);
    next.then(this.#onSourceResult, this.#onSourceError);
    return pending;
  }

  readonly #capturePending: (
    resolve: (result: IteratorResult<StreamPart, void>) => void,
    reject: (error: unknown) => void,
  ) => void = this.#storePending.bind(this);
  readonly #onSourceResult: (result: IteratorResult<StreamPart>) => void = this.#settleWithResult.bind(this);
  readonly #onSourceError: (error: unknown) => void = this.#settleWithError.bind(this);

  #storePending(resolve: (result: IteratorResult<StreamPart, void>) => void, reject: (error: unknown) => void): void {
    this.#resolvePending = resolve;
    this.#rejectPending = reject;
  }

  #settleWithResult(result: IteratorResult<StreamPart>): void {
    const resolve = this.#resolvePending;
    const reject = this.#rejectPending;
    // Nothing pending: the abort listener already rejected the consumer's promise.
    if (resolve === undefined || reject === undefined) return;
    this.#resolvePending = undefined;
    this.#rejectPending = undefined;
    if ((this.#call as StreamCall).scope.aborted) reject(this.#fail(undefined));
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
  readonly #onResult: (result: IteratorResult<StreamPart>) => IteratorResult<StreamPart, void> =
    this.#handleResult.bind(this);
  readonly #onError: (error: unknown) => never = this.#handleError.bind(this);

  #handleResult(result: IteratorResult<StreamPart>): IteratorResult<StreamPart, void> {
    this.#pending = undefined;
    if (result.done === true) {
      this.#finish(false);
      return doneResult;
    }
    if (result.value.type !== 'end') return result;
    const call = this.#call as StreamCall;
    return { done: false, value: call.finishEnd(result.value, call.scope.attempts) };
  }

  #handleError(error: unknown): never {
    throw this.#fail(error);
  }

  /** Ends the stream after a failure of the source; returns the error to throw. */
  #fail(error: unknown): unknown {
    const call = this.#call as StreamCall;
    this.#finish(true);
    const failure = call.scope.failure();
    if (failure !== undefined) return call.leave(failure);
    const mapped = call.mapError(error);
    return call.leave(
      ProviderError.isInstance(mapped) && mapped.attempts === undefined
        ? withAttempts(mapped, call.scope.attempts)
        : mapped,
    );
  }

  /** Marks the stream done, releases the scope and, if asked, closes the source. Idempotent. */
  #finish(closeSource: boolean): void {
    this.#pending = undefined;
    if (this.#done) return;
    this.#done = true;
    this.#removeAbortListener?.();
    this.#removeAbortListener = undefined;
    this.#call?.scope.dispose();
    if (closeSource && this.#iterator !== undefined) closeQuietly(this.#iterator);
  }
}

/** One attempt: open the stream and read its first part. */
async function openFirstPart(call: StreamCall, options: AttemptOptions): Promise<Opened> {
  const iterator = (await call.open(call.request, options))[Symbol.asyncIterator]();
  const scope = call.scope;
  // Without a signal, the deadline stops the request by closing the stream.
  const removeListener =
    options.signal === undefined && scope.canAbort ? scope.onAbort(() => closeQuietly(iterator)) : undefined;
  try {
    const result = await iterator.next();
    if (result.done === true) {
      throw createInvalidResponseError({
        provider: call.scope.provider,
        problem: 'the response stream ended before any output',
      });
    }
    return { iterator, first: result.value };
  } catch (error) {
    closeQuietly(iterator);
    throw error;
  } finally {
    removeListener?.();
  }
}

/**
 * Asks an iterator to release its resources without waiting: an async generator suspended
 * in a pending `next()` only runs `return()` after that settles, and an aborted call must not
 * wait for it (the attempt's signal has already stopped the vendor request).
 */
function closeQuietly(iterator: AsyncIterator<unknown>): void {
  try {
    const pending = iterator.return?.();
    if (pending !== undefined) pending.then(undefined, () => undefined);
  } catch {
    // A failing cleanup must not hide the error that ended the stream.
  }
}
