import { ProviderError } from '@dk/spec';
import { CallScope } from './call-scope.js';
import { resolveRetryOptions, runAttempts } from './call-with-retry.js';
import type { AttemptContext, CallWithRetryOptions } from './call-with-retry.js';
import { withAttempts } from './with-attempts.js';

/**
 * Opens a stream with the retry policy of {@link callWithRetry} and yields its items.
 *
 * An attempt is "open the stream and receive its first item": failures up to that point are
 * retried like any call (nothing has been yielded yet). Once the first item arrived, a failure
 * is thrown as is (with `attempts`), because the consumer has already seen output.
 * The caller's `signal` and the `timeoutMs` deadline (which covers the whole stream) end the
 * iteration promptly with `AbortError` / `TimeoutError`, even while waiting for the next item.
 * Breaking out of the loop, an error or an abort all close the underlying iterator and
 * release the deadline timer and signal listeners.
 *
 * @example
 * yield* streamWithRetry(({ signal }) => client.stream(request, { signal }), { provider: 'openai', signal });
 */
export async function* streamWithRetry<T>(
  open: (context: AttemptContext) => Promise<AsyncIterable<T>> | AsyncIterable<T>,
  options: CallWithRetryOptions,
): AsyncGenerator<T, void, undefined> {
  const settings = resolveRetryOptions(options);
  const scope = new CallScope(options);
  let iterator: AsyncIterator<T> | undefined;
  let finished = false;
  try {
    const opened = await runAttempts(
      scope,
      async (context) => {
        const iterable = await open(context);
        const candidate = iterable[Symbol.asyncIterator]();
        try {
          const first = await candidate.next();
          return { iterator: candidate, first };
        } catch (error) {
          closeQuietly(candidate);
          throw error;
        }
      },
      options,
      settings,
    );
    iterator = opened.iterator;
    let result = opened.first;
    while (result.done !== true) {
      yield result.value;
      try {
        result = await scope.race(iterator.next());
      } catch (error) {
        throw ProviderError.isInstance(error) && error.attempts === undefined
          ? withAttempts(error, scope.attempts)
          : error;
      }
    }
    finished = true;
  } finally {
    if (!finished && iterator !== undefined) closeQuietly(iterator);
    scope.dispose();
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
