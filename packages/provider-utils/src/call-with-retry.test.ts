import { getEventListeners } from 'node:events';
import type { ProviderError } from '@dk/spec';
import {
  AbortError,
  AuthenticationError,
  InvalidRequestError,
  ProviderUnavailableError,
  RateLimitError,
  TimeoutError,
} from '@dk/spec';
import { describe, expect, it, vi } from 'vitest';
import { callWithRetry } from './call-with-retry.js';

const unavailable = (): ProviderUnavailableError =>
  new ProviderUnavailableError({ provider: 'test', message: 'down', status: 503 });

function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    sleep: (ms: number) => {
      delays.push(ms);
      return Promise.resolve();
    },
  };
}

describe('callWithRetry', () => {
  it('retries retryable failures with exponential full-jitter backoff, then succeeds', async () => {
    const { sleep, delays } = recordingSleep();
    const seen: number[] = [];
    const result = await callWithRetry(
      ({ attemptNumber }) => {
        seen.push(attemptNumber);
        return attemptNumber < 4 ? Promise.reject(unavailable()) : Promise.resolve('ok');
      },
      { provider: 'test', maxRetries: 3, baseDelayMs: 100, maxDelayMs: 250, random: () => 0.5, sleep },
    );
    expect(result).toBe('ok');
    expect(seen).toEqual([1, 2, 3, 4]);
    // 0.5 × min(250, 100·2^(n-1)) for n = 1, 2, 3
    expect(delays).toEqual([50, 100, 125]);
  });

  it('honours retryAfterMs of a RateLimitError, capped by maxDelayMs', async () => {
    const { sleep, delays } = recordingSleep();
    let calls = 0;
    await callWithRetry(
      () => {
        calls += 1;
        if (calls === 1)
          return Promise.reject(new RateLimitError({ provider: 'test', message: 'slow down', retryAfterMs: 70 }));
        if (calls === 2)
          return Promise.reject(new RateLimitError({ provider: 'test', message: 'slow down', retryAfterMs: 10_000 }));
        return Promise.resolve(calls);
      },
      { provider: 'test', maxRetries: 2, baseDelayMs: 1, maxDelayMs: 500, random: () => 0, sleep },
    );
    expect(delays).toEqual([70, 500]);
  });

  it('never retries a non-retryable error and records attempts = 1', async () => {
    const attempt = vi.fn(() =>
      Promise.reject(new AuthenticationError({ provider: 'test', message: 'bad key', status: 401 })),
    );
    const error = await callWithRetry(attempt, {
      provider: 'test',
      maxRetries: 5,
      sleep: () => Promise.resolve(),
    }).catch((caught: unknown) => caught);
    expect(AuthenticationError.isInstance(error)).toBe(true);
    expect((error as ProviderError).attempts).toBe(1);
    expect(attempt).toHaveBeenCalledTimes(1);
  });

  it('gives up after maxRetries and reports every attempt on the final error', async () => {
    const attempt = vi.fn(() => Promise.reject(unavailable()));
    const error = await callWithRetry(attempt, {
      provider: 'test',
      maxRetries: 2,
      sleep: () => Promise.resolve(),
    }).catch((caught: unknown) => caught);
    expect(ProviderUnavailableError.isInstance(error)).toBe(true);
    expect((error as ProviderError).attempts).toBe(3);
    expect(attempt).toHaveBeenCalledTimes(3);
  });

  it('passes errors that are not ProviderErrors through unchanged and unretried', async () => {
    const failure = new TypeError('bug');
    const attempt = vi.fn(() => Promise.reject(failure));
    await expect(callWithRetry(attempt, { provider: 'test', maxRetries: 3 })).rejects.toBe(failure);
    expect(attempt).toHaveBeenCalledTimes(1);
  });

  it('catches a synchronous throw of the attempt', async () => {
    const error = await callWithRetry(
      () => {
        throw new AuthenticationError({ provider: 'test', message: 'no key' });
      },
      { provider: 'test' },
    ).catch((caught: unknown) => caught);
    expect(AuthenticationError.isInstance(error)).toBe(true);
  });

  it('aborts an in-flight attempt that ignores its signal, at once, with AbortError', async () => {
    const controller = new AbortController();
    let attemptSignal: AbortSignal | undefined;
    const pending = callWithRetry(
      ({ signal }) => {
        attemptSignal = signal;
        return new Promise<never>(() => undefined);
      },
      { provider: 'test', signal: controller.signal },
    );
    await Promise.resolve();
    await Promise.resolve();
    controller.abort(new Error('user left'));
    const error = await pending.catch((caught: unknown) => caught);
    expect(AbortError.isInstance(error)).toBe(true);
    expect((error as AbortError).attempts).toBe(1);
    expect((error as AbortError).cause).toEqual(new Error('user left'));
    expect(attemptSignal?.aborted).toBe(true);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('cuts through a long backoff when the caller aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = callWithRetry(
      () => Promise.reject(new RateLimitError({ provider: 'test', message: 'wait', retryAfterMs: 60_000 })),
      {
        provider: 'test',
        signal: controller.signal,
        maxRetries: 3,
        maxDelayMs: 60_000,
      },
    );
    setTimeout(() => controller.abort(), 10);
    const error = await pending.catch((caught: unknown) => caught);
    expect(AbortError.isInstance(error)).toBe(true);
    expect((error as AbortError).attempts).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('fails with AbortError without calling the attempt when the signal is already aborted', async () => {
    const attempt = vi.fn(() => Promise.resolve(1));
    const error = await callWithRetry(attempt, { provider: 'test', signal: AbortSignal.abort() }).catch(
      (caught: unknown) => caught,
    );
    expect(AbortError.isInstance(error)).toBe(true);
    expect((error as AbortError).attempts).toBe(0);
    expect(attempt).not.toHaveBeenCalled();
  });

  it('ends with TimeoutError when the deadline passes during an attempt', async () => {
    let attemptSignal: AbortSignal | undefined;
    const error = await callWithRetry(
      ({ signal }) => {
        attemptSignal = signal;
        return new Promise<never>(() => undefined);
      },
      { provider: 'test', timeoutMs: 20 },
    ).catch((caught: unknown) => caught);
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect((error as TimeoutError).timeoutMs).toBe(20);
    expect((error as TimeoutError).attempts).toBe(1);
    expect(TimeoutError.isInstance(attemptSignal?.reason)).toBe(true);
  });

  it('ends with TimeoutError when the deadline passes during backoff, after the attempts made', async () => {
    const error = await callWithRetry(() => Promise.reject(unavailable()), {
      provider: 'test',
      timeoutMs: 30,
      maxRetries: 10,
      baseDelayMs: 10_000,
      maxDelayMs: 10_000,
      random: () => 1,
    }).catch((caught: unknown) => caught);
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect((error as TimeoutError).attempts).toBe(1);
  });

  it('replaces an SDK abort rejection with the typed AbortError', async () => {
    const controller = new AbortController();
    const pending = callWithRetry(
      ({ signal }) =>
        new Promise<never>((_resolve, reject) => {
          signal.addEventListener('abort', () => reject(new Error('Request was aborted.')));
        }),
      { provider: 'test', signal: controller.signal },
    );
    controller.abort();
    expect(AbortError.isInstance(await pending.catch((caught: unknown) => caught))).toBe(true);
  });

  it('calls onRetry before each backoff and removes its listeners when done', async () => {
    const controller = new AbortController();
    const events: number[] = [];
    let calls = 0;
    await callWithRetry(
      () => {
        calls += 1;
        return calls < 3 ? Promise.reject(unavailable()) : Promise.resolve('done');
      },
      {
        provider: 'test',
        signal: controller.signal,
        baseDelayMs: 1,
        onRetry: (event) => events.push(event.attemptNumber),
      },
    );
    expect(events).toEqual([1, 2]);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects invalid settings with InvalidRequestError', async () => {
    for (const options of [{ maxRetries: -1 }, { maxRetries: 1.5 }, { baseDelayMs: Number.NaN }, { timeoutMs: 0 }]) {
      const error = await callWithRetry(() => Promise.resolve(1), { provider: 'test', ...options }).catch(
        (caught: unknown) => caught,
      );
      expect(InvalidRequestError.isInstance(error)).toBe(true);
    }
  });
});

describe('callWithRetry deadlines beyond the timer range', () => {
  it('treats a deadline beyond 2^31 - 1 ms as no deadline instead of firing at once', async () => {
    await expect(
      callWithRetry(() => new Promise((resolve) => setTimeout(() => resolve('ok'), 5)), {
        provider: 'test',
        timeoutMs: 3e9,
      }),
    ).resolves.toBe('ok');
  });

  it('gives attempts the caller signal, the remaining deadline and an abort hook', async () => {
    const controller = new AbortController();
    let seen: { callerSignal: AbortSignal | undefined; remainingMs: number | undefined } | undefined;
    let aborted = 0;
    const error = await callWithRetry(
      (context) => {
        seen = { callerSignal: context.callerSignal, remainingMs: context.remainingMs };
        context.onAbort(() => {
          aborted += 1;
        });
        setTimeout(() => controller.abort(), 5);
        return new Promise<never>(() => undefined);
      },
      { provider: 'test', signal: controller.signal, timeoutMs: 10_000 },
    ).catch((caught: unknown) => caught);
    expect(AbortError.isInstance(error)).toBe(true);
    expect(seen?.callerSignal).toBe(controller.signal);
    expect(seen?.remainingMs).toBeGreaterThan(9_000);
    expect(seen?.remainingMs).toBeLessThanOrEqual(10_000);
    expect(aborted).toBe(1);

    let withoutDeadline: number | undefined = -1;
    await callWithRetry(
      (context) => {
        withoutDeadline = context.remainingMs;
        return Promise.resolve(context.callerSignal);
      },
      { provider: 'test' },
    );
    expect(withoutDeadline).toBeUndefined();
  });
});
