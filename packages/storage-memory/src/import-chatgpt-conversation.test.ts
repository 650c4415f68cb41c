import { readFileSync } from 'node:fs';
import { InvalidNodeError } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { createMemoryConversationStore } from './create-memory-conversation-store.js';
import { importChatGptConversation } from './import-chatgpt-conversation.js';

const fixture = JSON.parse(readFileSync(new URL('./__fixtures__/chatgpt-conversation.json', import.meta.url), 'utf8'));

describe('importChatGptConversation', () => {
  it('imports every branch, skips the empty root and sets the cursor', async () => {
    const store = createMemoryConversationStore();
    const { conversation, nodeIds } = await importChatGptConversation(store, fixture);
    expect(conversation).toMatchObject({
      id: '6627a1b2-0000-4000-8000-000000000001',
      metadata: { title: 'Trip ideas', source: 'chatgpt' },
      nodeCount: 5,
      currentNodeId: '0.1.0',
    });
    expect(conversation.createdAt.getTime()).toBe(1714000000123);
    expect(Object.fromEntries(nodeIds)).toEqual({ sys: '', m1: '0', m2: '0.0', m3: '0.1', m4: '0.1.0' });
    const tree = (await store.load({ conversationId: conversation.id }))!;
    expect(tree.nodes.map((node) => [node.id, node.role, node.content])).toEqual([
      ['', 'system', ''],
      ['0', 'user', 'Ideas for a weekend in Lisbon?'],
      ['0.0', 'assistant', 'Visit Alfama and Belém.'],
      ['0.1', 'assistant', 'Try the trams! 🚋'],
      ['0.1.0', 'user', "print('obrigado')"],
    ]);
    expect(tree.nodes[0]!.metadata).toEqual({ chatgptMessageId: 'sys', hidden: true });
    expect(tree.nodes[3]!.metadata).toEqual({ chatgptMessageId: 'm3', model: 'gpt-4o', nonTextParts: 1 });
    expect(tree.nodes[1]!.createdAt.getTime()).toBe(1714000001500);
  });

  it('adds a synthetic root when several top-level messages remain, and follows the cursor up', async () => {
    const store = createMemoryConversationStore();
    const mapping = structuredClone(fixture.mapping);
    mapping.sys.message = null;
    mapping.root.children = ['sys', 'm2'];
    mapping.m2.parent = 'root';
    mapping.m1.children = ['m3'];
    const { conversation } = await importChatGptConversation(
      store,
      { ...fixture, mapping, current_node: 'gone', conversation_id: undefined },
      { conversationId: 'gpt-2' },
    );
    expect(conversation.currentNodeId).toBeNull();
    const tree = (await store.load({ conversationId: 'gpt-2' }))!;
    expect(tree.nodes.map((node) => [node.id, node.content])).toEqual([
      ['', ''],
      ['0', 'Ideas for a weekend in Lisbon?'],
      ['0.0', 'Try the trams! 🚋'],
      ['0.0.0', "print('obrigado')"],
      ['1', 'Visit Alfama and Belém.'],
    ]);
    expect(tree.nodes[0]!.metadata).toEqual({ syntheticRoot: true });
  });

  it('rejects input that is not a ChatGPT conversation', async () => {
    const store = createMemoryConversationStore();
    await expect(importChatGptConversation(store, { title: 'x' })).rejects.toThrow(InvalidNodeError);
    await expect(importChatGptConversation(store, { mapping: { a: 5 } })).rejects.toThrow(/mapping\.a/);
    expect(await store.count()).toBe(0);
  });
});
