import { runConversationStoreConformance } from '@dk/test-kit';
import { describe, expect, it } from 'vitest';
import { createMemoryConversationStore } from './create-memory-conversation-store.js';
import { MemoryConversationStore } from './memory-conversation-store.js';

runConversationStoreConformance('memory', { createStore: () => createMemoryConversationStore() });

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
    expect(store.backend).toBe('memory');
  });

  it('appends without copying the tree: stored nodes are reused across appends', async () => {
    const store = createMemoryConversationStore();
    await store.create({ id: 'big' });
    let parentId: string | null = null;
    for (let index = 0; index < 2000; index += 1) {
      parentId = (await store.appendNode({ conversationId: 'big', parentId, node: { role: 'user', content: `m${index}` } })).node.id;
    }
    const tree = await store.load({ conversationId: 'big' });
    expect(tree?.nodes).toHaveLength(2000);
    expect(tree?.conversation.nodeCount).toBe(2000);
  });
});
