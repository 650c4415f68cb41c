import { EchoProvider } from '@dk/providers-echo';
import { MemoryConversationStore } from '@dk/storage-memory';
import { describe, expect, it } from 'vitest';
import { ConversationManager } from '../conversation-manager.js';
import { RateLimitExceededError } from '../rate-limit-exceeded-error.js';
import { MemoryRateLimiter } from '../shared-state/memory-rate-limiter.js';
import { RateLimitMiddleware } from './rate-limit-middleware.js';

describe('RateLimitMiddleware', () => {
  it('allows maxRequests per sliding window per key and reports retryAfterMs', async () => {
    let now = 1_000_000;
    const limiter = new RateLimitMiddleware({
      maxRequests: 2,
      windowMs: 60_000,
      metadataKey: 'userId',
      now: () => now,
    });
    const llm = new EchoProvider();
    const storage = new MemoryConversationStore();
    const alice = await ConversationManager.create({
      llm,
      storage,
      middleware: [limiter],
      metadata: { userId: 'alice' },
    });
    const aliceAgain = await ConversationManager.create({
      llm,
      storage,
      middleware: [limiter],
      metadata: { userId: 'alice' },
    });
    const bob = await ConversationManager.create({ llm, storage, middleware: [limiter], metadata: { userId: 'bob' } });
    for (const manager of [alice, aliceAgain, bob]) await manager.addMessage({ role: 'user', content: 'hi' });

    const first = await alice.complete();
    expect(first.node.metadata['rateLimit']).toEqual({ count: 1, limit: 2, remaining: 1 });
    now += 10_000;
    await aliceAgain.complete();
    now += 5_000;
    const error = await alice.regenerate().catch((caught: unknown) => caught);
    expect(RateLimitExceededError.isInstance(error)).toBe(true);
    expect((error as RateLimitExceededError).fields).toEqual({
      key: 'alice',
      limit: 2,
      windowMs: 60_000,
      retryAfterMs: 45_000,
    });
    expect(llm.callCount).toBe(2);
    await bob.complete();
    expect(await limiter.getStatus('alice')).toEqual({ count: 2, limit: 2, remaining: 0, retryAfterMs: 45_000 });
    now += 45_000;
    expect((await limiter.getStatus('alice')).remaining).toBe(1);
    await alice.regenerate();
    await limiter.reset('alice');
    expect((await limiter.getStatus('alice')).count).toBe(0);
  });

  it('defaults to one key per conversation', async () => {
    const limiter = new RateLimitMiddleware({ maxRequests: 1 });
    const llm = new EchoProvider();
    const storage = new MemoryConversationStore();
    const one = await ConversationManager.create({ llm, storage, middleware: [limiter] });
    const two = await ConversationManager.create({ llm, storage, middleware: [limiter] });
    for (const manager of [one, two]) {
      await manager.addMessage({ role: 'user', content: 'hi' });
      await manager.complete();
    }
    await expect(one.regenerate()).rejects.toThrow(/Rate limit exceeded/);
    expect(() => new RateLimitMiddleware({ maxRequests: 0 })).toThrow(/maxRequests/);
  });

  it('holds one limit across middleware instances that share a limiter (several app servers)', async () => {
    const limiter = new MemoryRateLimiter();
    const llm = new EchoProvider();
    const storage = new MemoryConversationStore();
    const servers = [0, 1, 2].map(() => new RateLimitMiddleware({ maxRequests: 4, metadataKey: 'userId', limiter }));
    let admitted = 0;
    let refused = 0;
    for (let turn = 0; turn < 9; turn += 1) {
      const manager = await ConversationManager.create({
        llm,
        storage,
        middleware: [servers[turn % servers.length]!],
        metadata: { userId: 'carol' },
      });
      await manager.addMessage({ role: 'user', content: `turn ${turn}` });
      await manager.complete().then(
        () => (admitted += 1),
        (error: unknown) => {
          expect(RateLimitExceededError.isInstance(error)).toBe(true);
          refused += 1;
        },
      );
    }
    expect([admitted, refused]).toEqual([4, 5]);
    expect(await servers[2]!.getStatus('carol')).toMatchObject({ count: 4, remaining: 0 });
    expect(() => new RateLimitMiddleware({ maxRequests: 1, limiter, now: Date.now })).toThrow(
      /default in-memory limiter/,
    );
    expect(() => new RateLimitMiddleware({ maxRequests: 1, limiter: {} as never })).toThrow(/RateLimiter/);
  });
});
