/**
 * Waits `ms` milliseconds, or rejects with `signal.reason` as soon as `signal` aborts.
 * The timer is cleared and the listener removed either way, so nothing leaks. The timer is
 * deliberately not `unref`'d: a retry backoff is often the only pending work, and the process
 * must not exit in the middle of it.
 */
export function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      // setTimeout fires at once for delays beyond 2^31 - 1 ms.
      Math.min(Math.max(0, ms), 2_147_483_647),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
