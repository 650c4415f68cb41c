export { createRedisClient } from './redis-client.js';
export type { RedisClient, RedisClientSettings } from './redis-client.js';
export type { RedisStateSettings } from './redis-state-component.js';
export { RedisRateLimiter, createRedisRateLimiter } from './redis-rate-limiter.js';
export type { RedisRateLimiterSettings } from './redis-rate-limiter.js';
export { RedisTokenBudget, createRedisTokenBudget } from './redis-token-budget.js';
export type { RedisTokenBudgetSettings } from './redis-token-budget.js';
export { RedisKeyValueCache, createRedisKeyValueCache } from './redis-key-value-cache.js';
export type { RedisKeyValueCacheSettings } from './redis-key-value-cache.js';
