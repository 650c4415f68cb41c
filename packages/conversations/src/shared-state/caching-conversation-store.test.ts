import { SharedStateUnavailableError } from '@dk/spec';
import type { CacheInvalidation, KeyValueCache } from '@dk/spec';
import { MemoryConversationStore } from '@dk/storage-memory';
import { runConversationStoreConformance } from '@dk/test-kit';
import { describe, expect, it } from 'vitest';
import { ConversationManager } from '../conversation-manager.js';
import { EchoProvider } from '@dk/providers-echo';
import { CachingConversationStore, createCachingConversationStore } from './caching-conversation-store.js';
import { MemoryKeyValueCache } from './memory-key-value-cache.js';

runConversationStoreConformance('caching (memory store, memory cache)', {
  createStore: () => new CachingConversationStore({ store: new MemoryConversationStore() }),
});

/** A cache whose invalidations can be made to fail, as a cache server that went away would. */
class FlakyInvalidations extends MemoryKeyValueCache {
  down = false;
  override invalidate(options: { readonly group: string }): Promise<CacheInvalidation> {
    if (!this.down) return super.invalidate(options);
    return Promise.reject(
      new SharedStateUnavailableError({
        component: 'cache',
        provider: 'test',
        operation: 'invalidate',
        policy: 'failClosed',
        detail: 'connection refused',
      }),
    );
  }
}

const user = (content: string) => ({ role: 'user' as const, content });

describe('CachingConversationStore', () => {
  it('serves repeated reads from the cache until a write through any caching store sharing it', async () => {
    const store = new MemoryConversationStore();
    const cache = new MemoryKeyValueCache();
    const serverA = createCachingConversationStore({ store, cache });
    const serverB = createCachingConversationStore({ store, cache });
    const { id } = await serverA.create({ id: 'c1' });
    await serverA.appendNode({ conversationId: id, parentId: null, node: user('hello'), moveCursor: true });
    const before = await serverB.get({ conversationId: id });
    expect(before?.nodeCount).toBe(1);
    expect((await serverB.getPath({ conversationId: id, nodeId: '' })).map((node) => node.content)).toEqual(['hello']);
    expect((await serverB.load({ conversationId: id }))?.nodes).toHaveLength(1);

    // A write that bypasses the caching stores is not seen: the reads above are cached.
    await store.appendNode({ conversationId: id, parentId: '', node: user('behind the cache') });
    expect((await serverB.get({ conversationId: id }))?.nodeCount).toBe(1);
    expect((await serverB.load({ conversationId: id }))?.nodes).toHaveLength(1);
    expect(await serverB.get({ conversationId: id })).toEqual(before);

    // A write through server A invalidates what server B cached.
    await serverA.appendNode({ conversationId: id, parentId: '', node: user('through A'), moveCursor: true });
    expect((await serverB.get({ conversationId: id }))?.nodeCount).toBe(3);
    expect((await serverB.load({ conversationId: id }))?.nodes.map((node) => node.content)).toEqual([
      'hello',
      'behind the cache',
      'through A',
    ]);
    const record = (await serverB.get({ conversationId: id }))!;
    await serverA.updateConversation({
      conversationId: id,
      expectedVersion: record.version,
      metadata: { tier: 'pro' },
    });
    expect((await serverB.get({ conversationId: id }))?.metadata).toEqual({ tier: 'pro' });
    expect(await serverA.delete({ conversationId: id })).toBe(true);
    expect(await serverB.get({ conversationId: id })).toBeUndefined();
  });

  it('invalidates every conversation a deleteMany removed', async () => {
    const store = new MemoryConversationStore();
    const caching = new CachingConversationStore({ store });
    for (const [id, tier] of [
      ['a', 'free'],
      ['b', 'free'],
      ['c', 'pro'],
    ] as const) {
      await caching.create({ id, metadata: { tier } });
      await caching.get({ conversationId: id });
    }
    expect(await caching.deleteMany({ metadata: { tier: 'free' } })).toBe(2);
    expect(await caching.get({ conversationId: 'a' })).toBeUndefined();
    expect(await caching.get({ conversationId: 'b' })).toBeUndefined();
    expect((await caching.get({ conversationId: 'c' }))?.metadata).toEqual({ tier: 'pro' });
  });

  it('keeps a write that succeeded when its invalidation fails, retries it, and reads the store meanwhile', async () => {
    const store = new MemoryConversationStore();
    const cache = new FlakyInvalidations({ failurePolicy: 'failClosed' });
    const errors: unknown[] = [];
    const caching = new CachingConversationStore({ store, cache, onError: (error) => errors.push(error) });
    await caching.create({ id: 'c' });
    expect((await caching.get({ conversationId: 'c' }))?.nodeCount).toBe(0);
    cache.down = true;
    const appended = await caching.appendNode({ conversationId: 'c', parentId: null, node: user('kept') });
    expect(appended.conversation.nodeCount).toBe(1);
    expect(errors).toHaveLength(1);
    expect(SharedStateUnavailableError.isInstance(errors[0])).toBe(true);
    // The stale entry is still in the cache, but this process knows and reads the store.
    expect((await caching.get({ conversationId: 'c' }))?.nodeCount).toBe(1);
    cache.down = false;
    expect((await caching.get({ conversationId: 'c' }))?.nodeCount).toBe(1);
    // The retried invalidation went through; the entry cached since is the current record.
    expect(await cache.get({ group: 'c', key: 'record' })).toMatchObject({ status: 'hit', value: { nodeCount: 1 } });
  });

  it('is a drop-in store for a ConversationManager that resumes on another "server"', async () => {
    const store = new MemoryConversationStore();
    const cache = new MemoryKeyValueCache();
    const llm = new EchoProvider();
    const first = await ConversationManager.create({ llm, storage: new CachingConversationStore({ store, cache }) });
    await first.addMessage({ role: 'user', content: 'one' });
    await first.complete();
    const second = await ConversationManager.resume({
      llm,
      storage: new CachingConversationStore({ store, cache }),
      conversationId: first.conversationId,
    });
    await second.addMessage({ role: 'user', content: 'two' });
    await second.complete();
    const third = await ConversationManager.resume({
      llm,
      storage: new CachingConversationStore({ store, cache }),
      conversationId: first.conversationId,
    });
    expect(third.state.currentNodeId).toBe('0.0.0');
    expect((await store.get({ conversationId: first.conversationId }))?.nodeCount).toBe(4);
  });

  it('checks its settings', () => {
    const store = new MemoryConversationStore();
    expect(() => new CachingConversationStore({ store, ttl: 5 } as never)).toThrow(/did you mean `ttlMs`/);
    expect(() => new CachingConversationStore({ store: {} as never })).toThrow(/ConversationStore/);
    expect(() => new CachingConversationStore({ store, cache: {} as KeyValueCache })).toThrow(/KeyValueCache/);
    expect(() => new CachingConversationStore({ store, ttlMs: 0 })).toThrow(/ttlMs/);
  });
});
