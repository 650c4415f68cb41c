import { MemoryRateLimiter, MemoryTokenBudget } from '@dk/conversations';
import type { KeyValueCache, RateLimiter, SharedStateUnavailableError, TokenBudget } from '@dk/spec';
import type { RedisConfig } from '../config/demo-config.js';
import type { JsonLogger } from '../log/json-logger.js';

/**
 * Every limiter, budget and cache of the demo. In memory (one process) without Redis; in Redis
 * with `redis.url`, so that several demo servers share them and hold one limit.
 */
export interface SharedState {
  /** `memory` or `redis`. */
  readonly provider: string;
  /** The HTTP request limit per client. */
  readonly requestLimiter: RateLimiter;
  /** The model-call limit per user (`RateLimitMiddleware`). */
  readonly modelLimiter: RateLimiter;
  /** The token budget per conversation (`TokenBudgetMiddleware`). */
  readonly tokenBudget: TokenBudget;
  /** The counters of the usage monitor. */
  readonly usageCounters: TokenBudget;
  /** The conversation read cache; `undefined` in memory (one process reads its store directly). */
  readonly conversationCache: KeyValueCache | undefined;
  /** The RAG result cache; `undefined` in memory (each conversation keeps its own results). */
  readonly ragCache: KeyValueCache | undefined;
  /** Closes the Redis connection (after the app stopped using it). */
  close(): Promise<void>;
}

/** Builds the shared state the config names: Redis when `redis.url` is set, else memory. */
export async function createSharedState(config: RedisConfig, logger: JsonLogger): Promise<SharedState> {
  if (config.url === undefined || config.url === '') {
    return {
      provider: 'memory',
      requestLimiter: new MemoryRateLimiter(),
      modelLimiter: new MemoryRateLimiter(),
      tokenBudget: new MemoryTokenBudget(),
      usageCounters: new MemoryTokenBudget(),
      conversationCache: undefined,
      ragCache: undefined,
      close: async () => undefined,
    };
  }
  const { createRedisClient, createRedisKeyValueCache, createRedisRateLimiter, createRedisTokenBudget } =
    await import('@dk/redis');
  let connectionDown = false;
  const client = createRedisClient({
    url: config.url,
    onError: (error) => {
      // One line per outage, not one per reconnection attempt; never the URL (it may hold a password).
      if (connectionDown) return;
      connectionDown = true;
      logger.warn('redis connection failed', { error: error.message });
    },
  });
  client.on('ready', () => {
    if (connectionDown) logger.info('redis connection restored');
    connectionDown = false;
  });
  const onError = (error: SharedStateUnavailableError): void =>
    logger.warn('shared state degraded', {
      component: error.component,
      operation: error.operation,
      policy: error.policy,
      timedOut: error.timedOut,
    });
  const common = { client, timeoutMs: config.timeoutMs, onError };
  const policy = config.failurePolicy;
  const prefix = config.prefix;
  return {
    provider: 'redis',
    requestLimiter: createRedisRateLimiter({
      ...common,
      prefix: `${prefix}ratelimit:http:`,
      failurePolicy: policy.requestRateLimit,
    }),
    modelLimiter: createRedisRateLimiter({
      ...common,
      prefix: `${prefix}ratelimit:model:`,
      failurePolicy: policy.modelRateLimit,
    }),
    tokenBudget: createRedisTokenBudget({ ...common, prefix: `${prefix}tokens:`, failurePolicy: policy.tokenBudget }),
    usageCounters: createRedisTokenBudget({ ...common, prefix: `${prefix}usage:`, failurePolicy: policy.usage }),
    conversationCache: createRedisKeyValueCache({
      ...common,
      prefix: `${prefix}cache:conversation:`,
      failurePolicy: policy.cache,
      defaultTtlMs: config.conversationCacheTtlMs,
    }),
    ragCache: createRedisKeyValueCache({
      ...common,
      prefix: `${prefix}cache:rag:`,
      failurePolicy: policy.cache,
      defaultTtlMs: config.ragCacheTtlMs,
    }),
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
