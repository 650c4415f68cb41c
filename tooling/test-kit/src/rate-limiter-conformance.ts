import { SharedStateInputError } from '@dk/spec';
import type { RateLimiter } from '@dk/spec';
import { describe, expect, it } from 'vitest';

/** How the rate limiter conformance suite obtains limiters. */
export interface RateLimiterConformanceOptions {
  /**
   * Returns `count` limiters that share one fresh, empty state (for a shared backend: separate
   * clients on the same prefix; for memory: the same instance), reading time from `now`.
   */
  readonly createLimiters: (
    count: number,
    now: () => number,
  ) => Promise<readonly RateLimiter[]> | readonly RateLimiter[];
  /** Disposes of what `createLimiters` made (after every test). Default: nothing. */
  readonly destroy?: () => Promise<void>;
  /** Skip the whole suite (a server that is unreachable outside CI). Default `false`. */
  readonly skip?: boolean;
}

/**
 * The `RateLimiter` conformance suite: every implementation (memory, Redis, Redis Cluster)
 * runs it unchanged. Covers the sliding window, refusals and their timings, `peek`, `reset`,
 * key independence, input checks, and the atomicity of check-and-record under concurrency.
 */
export function runRateLimiterConformance(name: string, options: RateLimiterConformanceOptions): void {
  describe.skipIf(options.skip === true)(`RateLimiter conformance: ${name}`, () => {
    let time = 1_700_000_000_000;
    const now = (): number => time;
    const open = async (count = 1): Promise<readonly RateLimiter[]> => {
      time = 1_700_000_000_000;
      return options.createLimiters(count, now);
    };
    const dispose = async (): Promise<void> => options.destroy?.();
    const rule = { key: 'user:1', limit: 3, windowMs: 60_000 };

    it('admits `limit` calls per window, then refuses with the time until the oldest leaves', async () => {
      const [limiter] = await open();
      try {
        expect(limiter!.specificationVersion).toBe('v1');
        expect(typeof limiter!.provider).toBe('string');
        expect(['failOpen', 'failClosed']).toContain(limiter!.failurePolicy);
        expect(await limiter!.check(rule)).toEqual({
          allowed: true,
          count: 1,
          limit: 3,
          remaining: 2,
          retryAfterMs: 0,
          resetMs: 60_000,
          degraded: false,
        });
        time += 10_000;
        await limiter!.check(rule);
        time += 10_000;
        expect(await limiter!.check(rule)).toMatchObject({ allowed: true, count: 3, remaining: 0, resetMs: 60_000 });
        time += 5_000;
        expect(await limiter!.check(rule)).toEqual({
          allowed: false,
          count: 3,
          limit: 3,
          remaining: 0,
          retryAfterMs: 35_000,
          resetMs: 55_000,
          degraded: false,
        });
        // The refused call was not counted, and other keys have their own window.
        expect(await limiter!.peek(rule)).toMatchObject({ allowed: false, count: 3 });
        expect(await limiter!.check({ ...rule, key: 'user:2' })).toMatchObject({ allowed: true, count: 1 });
      } finally {
        await dispose();
      }
    });

    it('slides: a call is admitted again as soon as the oldest leaves the window, not the whole window', async () => {
      const [limiter] = await open();
      try {
        for (let call = 0; call < 3; call += 1) {
          await limiter!.check(rule);
          time += 1_000;
        }
        time = 1_700_000_000_000 + 60_000 - 1;
        expect(await limiter!.check(rule)).toMatchObject({ allowed: false, retryAfterMs: 1 });
        time += 1;
        expect(await limiter!.check(rule)).toMatchObject({ allowed: true, count: 3, remaining: 0 });
        expect(await limiter!.check(rule)).toMatchObject({ allowed: false, retryAfterMs: 1_000 });
        time += 200_000;
        expect(await limiter!.peek(rule)).toEqual({
          allowed: true,
          count: 0,
          limit: 3,
          remaining: 3,
          retryAfterMs: 0,
          resetMs: 0,
          degraded: false,
        });
      } finally {
        await dispose();
      }
    });

    it('peeks without counting, and judges the same key by the rule of each call', async () => {
      const [limiter] = await open();
      try {
        expect(await limiter!.peek(rule)).toMatchObject({ allowed: true, count: 0, remaining: 3 });
        await limiter!.check(rule);
        await limiter!.check(rule);
        expect(await limiter!.peek(rule)).toMatchObject({ allowed: true, count: 2, remaining: 1, retryAfterMs: 0 });
        expect(await limiter!.peek({ ...rule, limit: 2 })).toMatchObject({ allowed: false, remaining: 0 });
        expect(await limiter!.check({ ...rule, limit: 1 })).toMatchObject({ allowed: false, count: 2 });
      } finally {
        await dispose();
      }
    });

    it('forgets one key or every key on reset', async () => {
      const [limiter] = await open();
      try {
        for (const key of ['a', 'b', 'a{x}b', 'ünï:cödé']) await limiter!.check({ ...rule, key, limit: 1 });
        expect(await limiter!.check({ ...rule, key: 'a', limit: 1 })).toMatchObject({ allowed: false });
        await limiter!.reset({ key: 'a' });
        expect(await limiter!.check({ ...rule, key: 'a', limit: 1 })).toMatchObject({ allowed: true });
        expect(await limiter!.check({ ...rule, key: 'b', limit: 1 })).toMatchObject({ allowed: false });
        await limiter!.reset();
        for (const key of ['a', 'b', 'a{x}b', 'ünï:cödé']) {
          expect(await limiter!.check({ ...rule, key, limit: 1 })).toMatchObject({ allowed: true });
        }
      } finally {
        await dispose();
      }
    });

    it('admits exactly `limit` of many concurrent checks from several clients', async () => {
      const limiters = await open(4);
      try {
        const checks = Array.from({ length: 120 }, (_, index) =>
          limiters[index % limiters.length]!.check({ key: 'hot', limit: 25, windowMs: 60_000 }),
        );
        const decisions = await Promise.all(checks);
        expect(decisions.filter((decision) => decision.allowed)).toHaveLength(25);
        const counts = decisions.filter((decision) => decision.allowed).map((decision) => decision.count);
        expect(new Set(counts).size).toBe(25);
        expect((await limiters[0]!.peek({ key: 'hot', limit: 25, windowMs: 60_000 })).count).toBe(25);
      } finally {
        await dispose();
      }
    });

    it('refuses malformed rules with SharedStateInputError', async () => {
      const [limiter] = await open();
      try {
        for (const [bad, field] of [
          [{ ...rule, key: '' }, 'key'],
          [{ ...rule, limit: 0 }, 'limit'],
          [{ ...rule, limit: 1.5 }, 'limit'],
          [{ ...rule, windowMs: 0 }, 'windowMs'],
          [{ ...rule, windowMs: Number.NaN }, 'windowMs'],
        ] as const) {
          const error = await Promise.resolve()
            .then(() => limiter!.check(bad))
            .catch((caught: unknown) => caught);
          expect(SharedStateInputError.isInstance(error), `${field}: ${String(error)}`).toBe(true);
          expect((error as SharedStateInputError).field).toBe(field);
        }
      } finally {
        await dispose();
      }
    });
  });
}
