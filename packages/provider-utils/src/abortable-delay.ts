/**
 * Waits `ms` milliseconds, or rejects with `signal.reason` as soon as `signal` aborts.
 * The timer is cleared and the listener removed either way, so nothing leaks; the timer is
 * `unref`'d so a pending wait never keeps the process alive.
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
      Math.max(0, ms),
    );
    timer.unref?.();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
