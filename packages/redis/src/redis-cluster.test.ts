import { hasRedisBinaries, startRedisCluster } from '@dk/test-kit';
import type { RedisClusterProcess } from '@dk/test-kit';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisTestContext, runRedisConformance, timeoutMs } from './__fixtures__/redis-conformance.js';
import { RedisKeyValueCache } from './redis-key-value-cache.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';

// A real three-master Redis Cluster on loopback ports, started here with the machine's
// redis-server (cluster mode) and redis-cli --cluster create, stopped after the file.
const skip = !process.env['CI'] && !(await hasRedisBinaries());
let cluster: RedisClusterProcess | undefined;
const context = redisTestContext(() => ({ clusterNodes: cluster!.nodes }));
const { open, fresh, cleanUp } = context;

beforeAll(async () => {
  if (!skip) cluster = await startRedisCluster(3);
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
});

runRedisConformance('redis cluster', context, skip);

describe.skipIf(skip)('Redis Cluster layout', () => {
  it('keeps one conversation, and one limiter key, in one slot, and spreads many over the masters', async () => {
    const prefix = fresh();
    try {
      const [client] = open(1);
      const cache = new RedisKeyValueCache({ client: client!, prefix, timeoutMs });
      const limiter = new RedisRateLimiter({ client: client!, prefix: `${prefix}rl:`, timeoutMs });
      const groups = Array.from({ length: 30 }, (_, index) => `conversation-${index}`);
      for (const group of groups) {
        await cache.set({ group, key: 'record', value: 1 });
        await cache.set({ group, key: 'path:0.1', value: [] });
        await cache.invalidate({ group });
        await limiter.check({ key: group, limit: 5, windowMs: 60_000 });
      }
      const masters = (client as Cluster).nodes('master');
      expect(masters).toHaveLength(3);
      const slotsByGroup = new Map<string, Set<number>>();
      const keysByGroup = new Map<string, number>();
      const mastersUsed = new Set<number>();
      for (const [index, master] of masters.entries()) {
        const keys = await master.keys(`${prefix}*`);
        if (keys.length > 0) mastersUsed.add(index);
        for (const key of keys) {
          const group = /conversation-\d+/.exec(key)![0];
          const slot = Number(await master.call('CLUSTER', 'KEYSLOT', key));
          slotsByGroup.set(group, (slotsByGroup.get(group) ?? new Set()).add(slot));
          keysByGroup.set(group, (keysByGroup.get(group) ?? 0) + 1);
        }
      }
      expect([...slotsByGroup.keys()].sort()).toEqual([...groups].sort());
      // Two cache entries, the version and the limiter window of one conversation: four keys,
      // one slot (the hash tag is the conversation id in both components).
      for (const slots of slotsByGroup.values()) expect(slots.size).toBe(1);
      expect(new Set(keysByGroup.values())).toEqual(new Set([4]));
      expect(mastersUsed.size).toBe(3);
    } finally {
      await cleanUp();
    }
  });

  it('admits exactly the limit of 300 concurrent checks from 6 cluster clients on the server clock', async () => {
    const prefix = fresh();
    try {
      const limiters = open(6).map((client) => new RedisRateLimiter({ client, prefix, timeoutMs }));
      const decisions = await Promise.all(
        Array.from({ length: 300 }, (_, index) =>
          limiters[index % limiters.length]!.check({ key: 'user:7', limit: 60, windowMs: 60_000 }),
        ),
      );
      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(60);
      expect(decisions.some((decision) => decision.degraded)).toBe(false);
    } finally {
      await cleanUp();
    }
  });
});
