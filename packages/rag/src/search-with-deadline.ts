import { RagSearchError } from '@dk/spec';
import type { SearchOptions } from '@dk/spec';
import type { RagAdapter } from './rag-adapter.js';

/** Longest delay `setTimeout` honours (2^31 − 1 ms); longer timeouts mean "no timeout". */
const maxTimerMs = 2_147_483_647;

/** Options of {@link searchWithDeadline}. */
interface DeadlineOptions {
  readonly adapterName: string;
  readonly placeholder: string;
  /** Milliseconds the search may take; `Infinity` for none. */
  readonly timeoutMs: number;
  /** The caller's signal. */
  readonly signal: AbortSignal | undefined;
}

/**
 * Runs `adapter.search` so that it cannot outlive its deadline or the caller's signal, even
 * when the adapter ignores the signal it is given: the adapter receives a signal that
 * aborts on either, and the returned promise settles as soon as one of them fires.
 *
 * Rejects with {@link RagSearchError} (code `RAG_SEARCH_TIMEOUT`) after `timeoutMs`, with the
 * caller's `signal.reason` when the caller aborts, or with whatever the adapter rejects with.
 */
export async function searchWithDeadline(
  adapter: RagAdapter,
  query: string,
  searchOptions: Omit<SearchOptions, 'signal'>,
  options: DeadlineOptions,
): Promise<unknown> {
  const { signal, timeoutMs } = options;
  signal?.throwIfAborted();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onCallerAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  if (signal) {
    onCallerAbort = () => controller.abort(signal.reason);
    signal.addEventListener('abort', onCallerAbort, { once: true });
  }
  if (timeoutMs <= maxTimerMs) {
    timer = setTimeout(() => {
      controller.abort(
        new RagSearchError({
          message: `RAG search on adapter "${options.adapterName}" for ${options.placeholder} timed out after ${timeoutMs} ms. Raise the config's timeout_ms (or the builder's ragTimeoutMs), or render with ragFailurePolicy: 'omit' to continue without this content.`,
          adapterName: options.adapterName,
          placeholder: options.placeholder,
          code: 'RAG_SEARCH_TIMEOUT',
        }),
      );
    }, timeoutMs);
  }
  try {
    // `then` turns a synchronous throw of the adapter into a rejection raced like the others.
    const searching = Promise.resolve().then(() =>
      adapter.search(query, { ...searchOptions, signal: controller.signal }),
    );
    return await Promise.race([searching, stopped]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    if (onCallerAbort) signal?.removeEventListener('abort', onCallerAbort);
  }
}
