import { readFileSync } from 'node:fs';
import { InvalidNodeError, InvalidOptionsError } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { createMemoryConversationStore } from '@dk/storage-memory';
import { ConversationInputError } from './conversation-input-error.js';
import { importChatGptConversation } from './import-chatgpt-conversation.js';

const fixture = JSON.parse(readFileSync(new URL('./__fixtures__/chatgpt-conversation.json', import.meta.url), 'utf8'));

describe('importChatGptConversation', () => {
  it('imports every branch, skips the empty root and sets the cursor', async () => {
    const store = createMemoryConversationStore();
    const { conversation, nodeIds } = await importChatGptConversation({ storage: store, data: fixture });
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
    const { conversation } = await importChatGptConversation({
      storage: store,
      data: { ...fixture, mapping, current_node: 'gone', conversation_id: undefined },
      conversationId: 'gpt-2',
    });
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
    await expect(importChatGptConversation({ storage: store, data: { title: 'x' } })).rejects.toThrow(InvalidNodeError);
    await expect(importChatGptConversation({ storage: store, data: { mapping: { a: 5 } } })).rejects.toThrow(
      /mapping\.a/,
    );
    expect(await store.count()).toBe(0);
  });

  it('checks its options: misspelt names get a did-you-mean, a missing store a typed error', async () => {
    const store = createMemoryConversationStore();
    const misspelt = await importChatGptConversation({
      storage: store,
      data: fixture,
      conversation_id: 'x',
    } as never).catch((caught: unknown) => caught);
    expect(InvalidOptionsError.isInstance(misspelt)).toBe(true);
    expect((misspelt as InvalidOptionsError).suggestions).toEqual({ conversation_id: 'conversationId' });
    await expect(importChatGptConversation({ data: fixture } as never)).rejects.toThrow(ConversationInputError);
    await expect(importChatGptConversation({ storage: store, data: fixture, metadata: [] as never })).rejects.toThrow(
      /metadata/,
    );
    expect(await store.count()).toBe(0);
  });
});
