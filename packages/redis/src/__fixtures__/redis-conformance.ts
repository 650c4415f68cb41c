import { createCachingConversationStore } from '@dk/conversations';
import { MemoryConversationStore } from '@dk/storage-memory';
import {
  randomRedisPrefix,
  runConversationStoreConformance,
  runKeyValueCacheConformance,
  runRateLimiterConformance,
  runTokenBudgetConformance,
} from '@dk/test-kit';
import type { RedisClient } from '../redis-client.js';
import { RedisKeyValueCache } from '../redis-key-value-cache.js';
import { RedisRateLimiter } from '../redis-rate-limiter.js';
import { RedisTokenBudget } from '../redis-token-budget.js';
import { sleep, testClients } from './redis-test-clients.js';
import type { RedisTarget } from './redis-test-clients.js';

/** Generous deadlines: a loaded test machine must not turn into a degraded answer. */
export const timeoutMs = 10_000;

/** Clients and a key prefix per test, and the removal of the test's keys afterwards. */
export interface RedisTestContext {
  /** Opens `count` separate clients (as several app servers would have). */
  open(count: number): RedisClient[];
  /** Starts a test: a new random prefix, returned. */
  fresh(): string;
  /** The current test's prefix. */
  prefix(): string;
  /** Removes every key under the prefix and closes the clients. */
  cleanUp(): Promise<void>;
}

export function redisTestContext(target: () => RedisTarget): RedisTestContext {
  const clients = testClients(target);
  let prefix = randomRedisPrefix();
  return {
    open: (count) => clients.open(count),
    fresh: () => (prefix = randomRedisPrefix()),
    prefix: () => prefix,
    async cleanUp() {
      const [client] = clients.open(1);
      await new RedisRateLimiter({ client: client!, prefix, timeoutMs }).reset();
      await clients.close();
    },
  };
}

/**
 * Runs the rate limiter, token budget and cache conformance suites on Redis, and the store
 * conformance suite on a `CachingConversationStore` (memory store, Redis cache). Every test
 * writes under a fresh random prefix and removes its keys after (never FLUSHALL).
 */
export function runRedisConformance(name: string, context: RedisTestContext, skip: boolean): void {
  const { open, fresh, cleanUp } = context;
  runRateLimiterConformance(name, {
    skip,
    createLimiters: (count, now) => {
      const prefix = fresh();
      return open(count).map((client) => new RedisRateLimiter({ client, prefix, now, timeoutMs }));
    },
    destroy: cleanUp,
  });
  runTokenBudgetConformance(name, {
    skip,
    createBudgets: (count) => {
      const prefix = fresh();
      return open(count).map((client) => new RedisTokenBudget({ client, prefix, timeoutMs }));
    },
    wait: sleep,
    destroy: cleanUp,
  });
  runKeyValueCacheConformance(name, {
    skip,
    createCaches: (count) => {
      const prefix = fresh();
      return open(count).map((client) => new RedisKeyValueCache({ client, prefix, timeoutMs }));
    },
    wait: sleep,
    destroy: cleanUp,
  });
  runConversationStoreConformance(`caching (memory store, ${name} cache)`, {
    skip,
    createStore: () => {
      const prefix = fresh();
      const [client] = open(1);
      return createCachingConversationStore({
        store: new MemoryConversationStore(),
        cache: new RedisKeyValueCache({ client: client!, prefix, timeoutMs }),
      });
    },
    destroyStore: async (store) => {
      await store.close();
      await cleanUp();
    },
  });
}
