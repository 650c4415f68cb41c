import { MemoryKeyValueCache } from '@dk/conversations';
import { KeyValueRagResultCache } from '@dk/rag';
import { redisTestUrl, shouldSkipRedis } from '@dk/test-kit';
import { describe, expect, it } from 'vitest';
import { redisTestContext, runRedisConformance, timeoutMs } from './__fixtures__/redis-conformance.js';
import { sleep } from './__fixtures__/redis-test-clients.js';
import { RedisKeyValueCache } from './redis-key-value-cache.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';

// The machine's Redis, shared with other runs: every test writes under a fresh random prefix
// and removes its keys afterwards (never FLUSHALL).
const skip = await shouldSkipRedis();
const context = redisTestContext(() => ({ url: redisTestUrl() }));
const { open, fresh, cleanUp } = context;
runRedisConformance('redis', context, skip);

describe.skipIf(skip)('RedisRateLimiter on the Redis clock', () => {
  it('admits exactly the limit of 400 concurrent checks from 8 clients, and judges by server time', async () => {
    const prefix = fresh();
    try {
      const limiters = open(8).map((client) => new RedisRateLimiter({ client, prefix, timeoutMs }));
      const rule = { key: 'client:203.0.113.7', limit: 120, windowMs: 60_000 };
      const decisions = await Promise.all(
        Array.from({ length: 400 }, (_, index) => limiters[index % limiters.length]!.check(rule)),
      );
      const admitted = decisions.filter((decision) => decision.allowed);
      expect(admitted).toHaveLength(120);
      expect(decisions.every((decision) => !decision.degraded)).toBe(true);
      const refused = decisions.find((decision) => !decision.allowed)!;
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
      expect(await limiters[3]!.peek(rule)).toMatchObject({ count: 120, remaining: 0, allowed: false });

      const short = { key: 'short', limit: 1, windowMs: 50 };
      expect((await limiters[0]!.check(short)).allowed).toBe(true);
      expect((await limiters[1]!.check(short)).allowed).toBe(false);
      await sleep(120);
      expect((await limiters[2]!.check(short)).allowed).toBe(true);
    } finally {
      await cleanUp();
    }
  });
});

describe.skipIf(skip)('RedisKeyValueCache', () => {
  it('keeps one group in one hash tag, and backs a RAG result cache shared by two servers', async () => {
    const prefix = fresh();
    try {
      const [one, two] = open(2);
      const cache = new RedisKeyValueCache({ client: one!, prefix });
      await cache.set({ group: 'conversation-42', key: 'record', value: { n: 1 } });
      const keys = (await one!.keys(`${prefix}*`)).sort();
      expect(keys).toEqual([`${prefix}15{conversation-42}:k:record`, `${prefix}15{conversation-42}:v`]);
      expect(await one!.pttl(keys[0]!)).toBeGreaterThan(290_000);

      const results = [{ id: 'doc-1', content: 'Refunds take 5 days.', score: 0.9, metadata: { source: 'faq' } }];
      await new KeyValueRagResultCache({ cache, ttlMs: 60_000 }).set('hash-1', results);
      const elsewhere = new KeyValueRagResultCache({ cache: new RedisKeyValueCache({ client: two!, prefix }) });
      expect(await elsewhere.get('hash-1')).toEqual(results);
      expect(await elsewhere.get('hash-2')).toBeUndefined();
      expect(await new KeyValueRagResultCache({ cache, namespace: 'index-v2' }).get('hash-1')).toBeUndefined();
      await cache.set({ key: 'rag:hash-3', value: { not: 'a result list' } });
      expect(await elsewhere.get('hash-3')).toBeUndefined();
      // The memory cache gives the same answers.
      const memory = new KeyValueRagResultCache({ cache: new MemoryKeyValueCache() });
      await memory.set('hash-1', results);
      expect(await memory.get('hash-1')).toEqual(results);
    } finally {
      await cleanUp();
    }
  });
});
