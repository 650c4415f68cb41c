import { getEventListeners } from 'node:events';
import type { ProviderError } from '@dk/spec';
import { AbortError, AuthenticationError, ProviderUnavailableError, TimeoutError } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { streamWithRetry } from './stream-with-retry.js';

const unavailable = (): ProviderUnavailableError => new ProviderUnavailableError({ provider: 'test', message: 'down' });

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe('streamWithRetry', () => {
  it('retries a stream that fails before its first item', async () => {
    let opens = 0;
    const items = await collect(
      streamWithRetry(
        async function* () {
          opens += 1;
          if (opens < 3) throw unavailable();
          yield* ['a', 'b', 'c'];
        },
        { provider: 'test', maxRetries: 2, baseDelayMs: 1 },
      ),
    );
    expect(items).toEqual(['a', 'b', 'c']);
    expect(opens).toBe(3);
  });

  it('does not retry once items were yielded, and reports attempts', async () => {
    let opens = 0;
    const items: string[] = [];
    const error = await (async () => {
      for await (const item of streamWithRetry(
        async function* () {
          opens += 1;
          yield 'first';
          throw unavailable();
        },
        { provider: 'test', maxRetries: 3, baseDelayMs: 1 },
      )) {
        items.push(item);
      }
    })().catch((caught: unknown) => caught);
    expect(items).toEqual(['first']);
    expect(opens).toBe(1);
    expect(ProviderUnavailableError.isInstance(error)).toBe(true);
    expect((error as ProviderError).attempts).toBe(1);
  });

  it('does not retry a non-retryable failure', async () => {
    let opens = 0;
    const error = await collect(
      streamWithRetry(
        // eslint-disable-next-line require-yield
        async function* () {
          opens += 1;
          throw new AuthenticationError({ provider: 'test', message: 'bad key' });
        },
        { provider: 'test', maxRetries: 3 },
      ),
    ).catch((caught: unknown) => caught);
    expect(AuthenticationError.isInstance(error)).toBe(true);
    expect(opens).toBe(1);
  });

  it('stops promptly with AbortError while waiting for the next item, and closes the source', async () => {
    const controller = new AbortController();
    let closed = false;
    const source: AsyncIterable<number> = {
      [Symbol.asyncIterator]() {
        let sent = false;
        return {
          next: () => {
            if (!sent) {
              sent = true;
              return Promise.resolve({ done: false, value: 1 });
            }
            return new Promise<IteratorResult<number>>(() => undefined);
          },
          return: () => {
            closed = true;
            return Promise.resolve({ done: true, value: undefined });
          },
        };
      },
    };
    const received: number[] = [];
    const error = await (async () => {
      for await (const item of streamWithRetry(() => source, { provider: 'test', signal: controller.signal })) {
        received.push(item);
        setTimeout(() => controller.abort(), 5);
      }
    })().catch((caught: unknown) => caught);
    expect(received).toEqual([1]);
    expect(AbortError.isInstance(error)).toBe(true);
    expect(closed).toBe(true);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('applies the deadline to the whole stream', async () => {
    const error = await collect(
      streamWithRetry(
        async function* ({ signal }) {
          yield 1;
          await new Promise((resolve) => setTimeout(resolve, 1_000).unref());
          if (!signal.aborted) yield 2;
        },
        { provider: 'test', timeoutMs: 20 },
      ),
    ).catch((caught: unknown) => caught);
    expect(TimeoutError.isInstance(error)).toBe(true);
  });

  it('closes the source when the consumer breaks early', async () => {
    let finalized = false;
    for await (const item of streamWithRetry(
      async function* () {
        try {
          yield* [1, 2, 3];
        } finally {
          finalized = true;
        }
      },
      { provider: 'test' },
    )) {
      if (item === 1) break;
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(finalized).toBe(true);
  });

  describe('isOutput', () => {
    type Item = { readonly kind: 'meta' | 'text'; readonly value: string };
    const isOutput = (item: Item): boolean => item.kind === 'text';

    it('retries a failure after leading metadata, and yields the metadata once with the output', async () => {
      let opens = 0;
      const items = await collect(
        streamWithRetry<Item>(
          async function* () {
            opens += 1;
            yield { kind: 'meta', value: `start${opens}` };
            yield { kind: 'meta', value: `more${opens}` };
            if (opens < 3) throw unavailable();
            yield { kind: 'text', value: 'hello' };
            yield { kind: 'meta', value: 'stop' };
          },
          { provider: 'test', maxRetries: 2, baseDelayMs: 1, isOutput },
        ),
      );
      expect(opens).toBe(3);
      expect(items.map((item) => item.value)).toEqual(['start3', 'more3', 'hello', 'stop']);
    });

    it('does not retry once an output item arrived, even if it was followed by metadata', async () => {
      let opens = 0;
      const items: string[] = [];
      const error = await (async () => {
        for await (const item of streamWithRetry<Item>(
          async function* () {
            opens += 1;
            yield { kind: 'meta', value: 'start' };
            yield { kind: 'text', value: 'hello' };
            yield { kind: 'meta', value: 'ping' };
            throw unavailable();
          },
          { provider: 'test', maxRetries: 3, baseDelayMs: 1, isOutput },
        )) {
          items.push(item.value);
        }
      })().catch((caught: unknown) => caught);
      expect(opens).toBe(1);
      expect(items).toEqual(['start', 'hello', 'ping']);
      expect((error as ProviderError).attempts).toBe(1);
    });

    it('yields the metadata of a stream that ends without output', async () => {
      const items = await collect(
        streamWithRetry<Item>(
          async function* () {
            yield { kind: 'meta', value: 'start' };
            yield { kind: 'meta', value: 'stop' };
          },
          { provider: 'test', isOutput },
        ),
      );
      expect(items.map((item) => item.value)).toEqual(['start', 'stop']);
    });

    it('fails with the last error when every attempt fails after metadata', async () => {
      let opens = 0;
      const error = await collect(
        streamWithRetry<Item>(
          async function* () {
            opens += 1;
            yield { kind: 'meta', value: 'start' };
            throw unavailable();
          },
          { provider: 'test', maxRetries: 1, baseDelayMs: 1, isOutput },
        ),
      ).catch((caught: unknown) => caught);
      expect(opens).toBe(2);
      expect(ProviderUnavailableError.isInstance(error)).toBe(true);
      expect((error as ProviderError).attempts).toBe(2);
    });
  });

  it('maps source failures with mapError, so vendor errors before output are retried', async () => {
    class VendorError extends Error {}
    let opens = 0;
    const mapped: unknown[] = [];
    const items = await collect(
      streamWithRetry(
        async function* () {
          opens += 1;
          if (opens === 1) throw new VendorError('socket hang up');
          yield* ['a', 'b'];
        },
        {
          provider: 'test',
          maxRetries: 1,
          baseDelayMs: 1,
          mapError: (error) => {
            mapped.push(error);
            return error instanceof VendorError ? unavailable() : error;
          },
        },
      ),
    );
    expect(items).toEqual(['a', 'b']);
    expect(opens).toBe(2);
    expect(mapped).toHaveLength(1);
    expect(mapped[0]).toBeInstanceOf(VendorError);
  });

  it('fails with AbortError when aborted while the consumer handles an item', async () => {
    const controller = new AbortController();
    let finalized = false;
    const received: number[] = [];
    const error = await (async () => {
      for await (const item of streamWithRetry(
        async function* () {
          try {
            yield* [1, 2, 3];
          } finally {
            finalized = true;
          }
        },
        { provider: 'test', signal: controller.signal, timeoutMs: 60_000 },
      )) {
        received.push(item);
        controller.abort();
      }
    })().catch((caught: unknown) => caught);
    expect(received).toEqual([1]);
    expect(AbortError.isInstance(error)).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(finalized).toBe(true);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('keeps one abort listener on the caller signal for the whole stream and removes it at the end', async () => {
    const controller = new AbortController();
    const counts: number[] = [];
    for await (const item of streamWithRetry(
      async function* () {
        yield* Array.from({ length: 50 }, (_, index) => index);
      },
      { provider: 'test', signal: controller.signal },
    )) {
      if (item % 10 === 0) counts.push(getEventListeners(controller.signal, 'abort').length);
    }
    expect(counts).toEqual([1, 1, 1, 1, 1]);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('starts nothing before the first next()', async () => {
    let opens = 0;
    const stream = streamWithRetry(
      async function* () {
        opens += 1;
        yield 1;
      },
      { provider: 'test', timeoutMs: 1 },
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(opens).toBe(0);
    expect(await collect(stream)).toEqual([1]);
  });

  it('serves overlapping next() calls in order', async () => {
    const stream = streamWithRetry(
      async function* () {
        yield* ['a', 'b', 'c'];
      },
      { provider: 'test', timeoutMs: 60_000 },
    );
    const results = await Promise.all([stream.next(), stream.next(), stream.next(), stream.next()]);
    expect(results).toEqual([
      { done: false, value: 'a' },
      { done: false, value: 'b' },
      { done: false, value: 'c' },
      { done: true, value: undefined },
    ]);
  });

  it('closes a source that opens after the consumer already returned', async () => {
    let finalized = false;
    let release: () => void = () => undefined;
    const opened = new Promise<void>((resolve) => {
      release = resolve;
    });
    const stream = streamWithRetry(
      async function* () {
        try {
          await opened;
          yield 1;
          yield 2;
        } finally {
          finalized = true;
        }
      },
      { provider: 'test' },
    );
    const first = stream.next();
    await stream.return!();
    release();
    expect(await first).toEqual({ done: true, value: undefined });
    await new Promise((resolve) => setImmediate(resolve));
    expect(finalized).toBe(true);
  });
});
