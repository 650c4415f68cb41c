import { SharedStateInputError } from '@dk/spec';
import { runRateLimiterConformance } from '@dk/test-kit';
import { describe, expect, it } from 'vitest';
import { MemoryRateLimiter } from './memory-rate-limiter.js';

runRateLimiterConformance('memory', {
  createLimiters: (count, now) => {
    const limiter = new MemoryRateLimiter({ now });
    return Array.from({ length: count }, () => limiter);
  },
});

describe('MemoryRateLimiter', () => {
  it('checks its settings and drops windows that emptied as keys come and go', async () => {
    expect(() => new MemoryRateLimiter({ failurePolicy: 'closed' as never })).toThrow(SharedStateInputError);
    expect(() => new MemoryRateLimiter({ clock: Date.now } as never)).toThrow(/does not know the option `clock`/);
    let time = 0;
    const limiter = new MemoryRateLimiter({ now: () => time, failurePolicy: 'failClosed' });
    expect(limiter.failurePolicy).toBe('failClosed');
    for (let key = 0; key < 5000; key += 1) {
      await limiter.check({ key: `k${key}`, limit: 1, windowMs: 10 });
      time += 1;
    }
    // Every key but the last ten left its window long ago: a sweep dropped them, so an old
    // key starts afresh and the recent ones still count.
    expect(await limiter.peek({ key: 'k0', limit: 1, windowMs: 10 })).toMatchObject({ count: 0, allowed: true });
    expect(await limiter.peek({ key: 'k4999', limit: 1, windowMs: 10 })).toMatchObject({ count: 1, allowed: false });
  });
});
