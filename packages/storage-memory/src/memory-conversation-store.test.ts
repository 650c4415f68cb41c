import { InvalidFilterError, InvalidOptionsError } from '@dk/spec';
import type { ConversationFilter, ConversationStore } from '@dk/spec';
import { StoreSettingsError } from '@dk/storage-utils';
import { runConversationStoreConformance } from '@dk/test-kit';
import { describe, expect, it } from 'vitest';
import { createMemoryConversationStore } from './create-memory-conversation-store.js';
import { MemoryConversationStore } from './memory-conversation-store.js';

runConversationStoreConformance('memory', { createStore: () => createMemoryConversationStore() });

/**
 * The memory store with text search switched off, as a backend without it would be: text
 * conditions are refused. It shows the suite's `textSearch: false` capability at work.
 */
function withoutTextSearch(store: MemoryConversationStore): ConversationStore {
  const refuseText = (options: ConversationFilter | undefined) => {
    if (options?.text !== undefined) {
      throw new InvalidFilterError({ field: 'text', reason: 'is not supported: this store has no text search.' });
    }
  };
  const guarded = new Set(['search', 'list', 'count', 'deleteMany']);
  return new Proxy(store, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key);
      if (typeof value !== 'function') return value;
      if (typeof key === 'string' && guarded.has(key)) {
        return async (options: ConversationFilter | undefined) => {
          refuseText(options);
          return value.call(target, options);
        };
      }
      return value.bind(target);
    },
  });
}

runConversationStoreConformance('memory without text search', {
  createStore: () => withoutTextSearch(createMemoryConversationStore()),
  capabilities: { textSearch: false },
});

describe('MemoryConversationStore', () => {
  it('uses the injected clock and id generator deterministically', async () => {
    let tick = Date.parse('2025-01-01T00:00:00.000Z');
    let next = 0;
    const store = new MemoryConversationStore({
      now: () => new Date((tick += 1000)),
      generateId: () => `conv-${(next += 1)}`,
    });
    const created = await store.create();
    expect(created.id).toBe('conv-1');
    expect(created.createdAt.toISOString()).toBe('2025-01-01T00:00:01.000Z');
    const { node, conversation } = await store.appendNode({
      conversationId: 'conv-1',
      parentId: null,
      node: { role: 'user', content: 'hi' },
    });
    expect(node.createdAt.toISOString()).toBe('2025-01-01T00:00:02.000Z');
    expect(conversation.updatedAt.toISOString()).toBe('2025-01-01T00:00:02.000Z');
    expect(store.provider).toBe('memory');
  });

  it('appends without copying the tree: stored nodes are reused across appends', async () => {
    const store = createMemoryConversationStore();
    await store.create({ id: 'big' });
    let parentId: string | null = null;
    for (let index = 0; index < 2000; index += 1) {
      parentId = (
        await store.appendNode({ conversationId: 'big', parentId, node: { role: 'user', content: `m${index}` } })
      ).node.id;
    }
    const tree = await store.load({ conversationId: 'big' });
    expect(tree?.nodes).toHaveLength(2000);
    expect(tree?.conversation.nodeCount).toBe(2000);
  });

  it('finds deep nodes by equal (not identical) long ids and rejects malformed ones', async () => {
    const store = createMemoryConversationStore();
    await store.create({ id: 'deep' });
    const ids: string[] = [];
    let parentId: string | null = null;
    for (let index = 0; index < 150; index += 1) {
      parentId = (
        await store.appendNode({ conversationId: 'deep', parentId, node: { role: 'user', content: `m${index}` } })
      ).node.id;
      ids.push(parentId);
    }
    const copy = (id: string) => id.split('').join('');
    expect((await store.getNode({ conversationId: 'deep', nodeId: copy(ids[120]!) }))?.content).toBe('m120');
    const sibling = await store.appendNode({
      conversationId: 'deep',
      parentId: copy(ids[130]!),
      node: { role: 'user', content: 'alt' },
    });
    expect(sibling.node.id).toBe(`${ids[130]!}.1`);
    expect((await store.getPath({ conversationId: 'deep', nodeId: copy(sibling.node.id) })).at(-2)?.content).toBe(
      'm130',
    );
    expect(await store.getNode({ conversationId: 'deep', nodeId: `${ids[140]!}.x` })).toBeUndefined();
    expect(await store.getNode({ conversationId: 'deep', nodeId: `${ids[140]!}.7` })).toBeUndefined();
    expect(await store.getNode({ conversationId: 'deep', nodeId: `${ids[140]!}.01` })).toBeUndefined();
  });

  it('checks its settings: unknown names with a did-you-mean, wrong types with StoreSettingsError', () => {
    expect(() => new MemoryConversationStore({ generate_id: () => 'x' } as never)).toThrow(InvalidOptionsError);
    expect(() => new MemoryConversationStore({ now: 'today' } as never)).toThrow(StoreSettingsError);
    expect(() => createMemoryConversationStore('fast' as never)).toThrow(InvalidOptionsError);
  });
});
