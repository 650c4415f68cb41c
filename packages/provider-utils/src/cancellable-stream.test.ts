import { describe, expect, it } from 'vitest';
import { cancellableStream } from './cancellable-stream.js';

describe('cancellableStream', () => {
  it('passes items through and cancels at once on return(), even while a next() is pending', async () => {
    let release: (() => void) | undefined;
    let cancelled = 0;
    let finished = false;
    async function* source(): AsyncGenerator<number> {
      try {
        yield 1;
        await new Promise<void>((resolve) => (release = resolve));
        yield 2;
      } finally {
        finished = true;
      }
    }
    const iterator = cancellableStream(source(), () => (cancelled += 1))[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: 1 });
    const pending = iterator.next();
    expect(await iterator.return?.()).toEqual({ done: true, value: undefined });
    expect(cancelled).toBe(1);
    // The generator itself only closes once its pending next() settles.
    expect(finished).toBe(false);
    release?.();
    expect(await pending).toEqual({ done: false, value: 2 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(finished).toBe(true);
  });
});
