import {
  CachingConversationStore,
  ConversationManager,
  RateLimitMiddleware,
  TokenBudgetMiddleware,
} from '@dk/conversations';
import { EchoProvider } from '@dk/providers-echo';
import { SharedStateUnavailableError } from '@dk/spec';
import { MemoryConversationStore } from '@dk/storage-memory';
import { hasRedisBinaries, randomRedisPrefix, startRedisServer } from '@dk/test-kit';
import type { RedisServerProcess } from '@dk/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from './__fixtures__/redis-test-clients.js';
import { createRedisClient } from './redis-client.js';
import type { RedisClient } from './redis-client.js';
import { RedisKeyValueCache } from './redis-key-value-cache.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';
import { RedisTokenBudget } from './redis-token-budget.js';

// A Redis of the test's own, killed (SIGKILL) in the middle of the run and started again.
const skip = !process.env['CI'] && !(await hasRedisBinaries());
let server: RedisServerProcess | undefined;
let client: RedisClient | undefined;

beforeAll(async () => {
  if (skip) return;
  server = await startRedisServer();
  client = createRedisClient({ url: server.url });
}, 30_000);

afterAll(async () => {
  client?.disconnect();
  await server?.stop();
});

async function rejection(promise: Promise<unknown>): Promise<SharedStateUnavailableError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(SharedStateUnavailableError.isInstance(error), String(error)).toBe(true);
  return error as SharedStateUnavailableError;
}

describe.skipIf(skip)('Redis going away mid-run', () => {
  it('fails open or closed as each component says, keeps the process alive, and recovers after a restart', async () => {
    const prefix = randomRedisPrefix();
    const reported: SharedStateUnavailableError[] = [];
    const common = { client: client!, prefix, timeoutMs: 3000 };
    const open = {
      ...common,
      failurePolicy: 'failOpen' as const,
      onError: (error: SharedStateUnavailableError) => void reported.push(error),
    };
    const closed = { ...common, failurePolicy: 'failClosed' as const };
    const limiters = { open: new RedisRateLimiter(open), closed: new RedisRateLimiter(closed) };
    const budgets = { open: new RedisTokenBudget(open), closed: new RedisTokenBudget(closed) };
    const caches = { open: new RedisKeyValueCache(open), closed: new RedisKeyValueCache(closed) };
    const rule = { key: 'user:1', limit: 5, windowMs: 60_000 };
    const llm = new EchoProvider();
    const storage = new MemoryConversationStore();
    const readCache = new CachingConversationStore({ store: storage, cache: caches.open });
    const strict = await ConversationManager.create({
      llm,
      storage,
      middleware: [new RateLimitMiddleware({ maxRequests: 5, limiter: limiters.closed })],
    });
    const lenient = await ConversationManager.create({
      llm,
      storage: readCache,
      middleware: [
        new RateLimitMiddleware({ maxRequests: 5, limiter: limiters.open }),
        new TokenBudgetMiddleware({ maxTokens: 1000, budget: budgets.open, onExceeded: 'refuse' }),
      ],
    });

    // Up: everything counts.
    expect(await limiters.closed.check(rule)).toMatchObject({ allowed: true, count: 1, degraded: false });
    expect((await budgets.closed.increment({ key: 'c', tokens: 10 })).used).toBe(10);
    expect(await caches.closed.set({ group: 'g', key: 'k', value: 'v' })).toBe(true);
    await lenient.addMessage({ role: 'user', content: 'before' });
    await lenient.complete();

    await server!.kill();

    // failOpen: degraded answers, each failure reported, never thrown.
    expect(await limiters.open.check(rule)).toEqual({
      allowed: true,
      count: 0,
      limit: 5,
      remaining: 5,
      retryAfterMs: 0,
      resetMs: 0,
      degraded: true,
    });
    expect(await budgets.open.increment({ key: 'c', tokens: 10 })).toEqual({
      used: 0,
      resetMs: undefined,
      degraded: true,
    });
    expect(await caches.open.get({ group: 'g', key: 'k' })).toMatchObject({ status: 'miss', degraded: true });
    expect(await caches.open.set({ group: 'g', key: 'k', value: 'w' })).toBe(false);
    expect(await caches.open.invalidate({ group: 'g' })).toEqual({ version: undefined, degraded: true });
    expect(reported.length).toBeGreaterThanOrEqual(5);
    expect(reported.every((error) => error.policy === 'failOpen' && error.provider === 'redis')).toBe(true);
    expect(new Set(reported.map((error) => error.component))).toEqual(new Set(['rateLimiter', 'tokenBudget', 'cache']));

    // failClosed: a typed rejection.
    const refused = await rejection(limiters.closed.check(rule));
    expect(refused.fields).toMatchObject({ component: 'rateLimiter', operation: 'check', policy: 'failClosed' });
    expect(refused.message).toMatch(/redis rate limiter failed during `check`/);
    await rejection(budgets.closed.get({ key: 'c' }));
    await rejection(caches.closed.get({ key: 'k' }));

    // Through the conversation layer: a strict limiter refuses the turn, a lenient one lets it
    // through uncounted (and says so on the node), and the read cache falls back to the store.
    await strict.addMessage({ role: 'user', content: 'during' });
    await rejection(strict.complete());
    await lenient.addMessage({ role: 'user', content: 'during' });
    const during = await lenient.complete();
    expect(during.node.metadata['rateLimit']).toMatchObject({ degraded: true });
    expect(during.node.metadata['tokenBudget']).toMatchObject({ degraded: true });
    expect((await readCache.get({ conversationId: lenient.conversationId }))?.nodeCount).toBe(4);

    await server!.restart();
    const deadline = Date.now() + 20_000;
    while ((await limiters.open.peek(rule)).degraded) {
      if (Date.now() > deadline) throw new Error('the client did not reconnect');
      await sleep(100);
    }

    // Back: counting again (the restarted server starts empty), and the read cache caches again.
    expect(await limiters.closed.check(rule)).toMatchObject({ allowed: true, count: 1, degraded: false });
    expect(await budgets.closed.increment({ key: 'c', tokens: 3 })).toMatchObject({ used: 3, degraded: false });
    await strict.complete();
    await lenient.addMessage({ role: 'user', content: 'after' });
    const after = await lenient.complete();
    // The restarted server started empty: the turn before the outage is forgotten.
    expect(after.node.metadata['rateLimit']).toEqual({ count: 1, limit: 5, remaining: 4 });
    expect(await readCache.get({ conversationId: lenient.conversationId })).toMatchObject({ nodeCount: 6 });
    expect(await caches.open.get({ group: lenient.conversationId, key: 'record' })).toMatchObject({ status: 'hit' });
  }, 60_000);
});
