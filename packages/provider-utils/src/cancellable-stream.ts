/**
 * Wraps a stream of parts so that closing it (its iterator's `return()`, which the wrapper calls
 * when the deadline passes, the caller aborts or the consumer stops) calls `cancel` at once:
 * an async generator only runs its own `return()` once its pending `next()` settles, which a
 * stalled vendor may never do. Use it on what `doStream` returns, with `cancel` stopping the
 * vendor request (e.g. `() => vendorStream.controller.abort()`).
 *
 * @example
 * return cancellableStream(convertFromAcmeStream(vendorStream), () => vendorStream.controller.abort());
 */
export function cancellableStream<T>(parts: AsyncIterable<T>, cancel: () => void): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]: () => new CancellableIterator(parts[Symbol.asyncIterator](), cancel),
  };
}

class CancellableIterator<T> implements AsyncIterator<T> {
  readonly #source: AsyncIterator<T>;
  readonly #cancel: () => void;

  constructor(source: AsyncIterator<T>, cancel: () => void) {
    this.#source = source;
    this.#cancel = cancel;
  }

  next(): Promise<IteratorResult<T>> {
    return this.#source.next();
  }

  return(value?: unknown): Promise<IteratorResult<T>> {
    this.#cancel();
    const closing = this.#source.return?.(value);
    // The source may settle later (after its pending `next()`); nobody waits for it.
    closing?.then(undefined, () => undefined);
    return Promise.resolve({ done: true, value: undefined });
  }
}
