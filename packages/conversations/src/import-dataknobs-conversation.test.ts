import { readFileSync } from 'node:fs';
import { InvalidNodeError } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { createMemoryConversationStore } from '@dk/storage-memory';
import { importDataknobsConversation } from './import-dataknobs-conversation.js';

const fixture = JSON.parse(
  readFileSync(new URL('./__fixtures__/dataknobs-conversation.json', import.meta.url), 'utf8'),
);

describe('importDataknobsConversation', () => {
  it('rebuilds the tree with the original ids, cursor, metadata and tool calls', async () => {
    const store = createMemoryConversationStore();
    const { conversation, nodeIds } = await importDataknobsConversation({ storage: store, data: fixture });
    expect(conversation).toMatchObject({
      id: 'support-42',
      currentNodeId: '0.1',
      nodeCount: 6,
      metadata: { userId: 'u42', tier: 'pro' },
    });
    expect(conversation.createdAt.getTime()).toBe(new Date('2025-03-01T10:00:00.000').getTime());
    expect([...nodeIds]).toEqual([
      ['', ''],
      ['0', '0'],
      ['0.0', '0.0'],
      ['0.1', '0.1'],
      ['0.0.0', '0.0.0'],
      ['0.0.0.0', '0.0.0.0'],
    ]);
    const node = (id: string) => store.getNode({ conversationId: 'support-42', nodeId: id });
    expect(await node('')).toMatchObject({ role: 'system', promptName: 'support_system' });
    // Schema 1.0.0: tool calls lived in node metadata and move onto the message.
    expect(await node('0.0')).toMatchObject({
      role: 'assistant',
      toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: { city: 'Paris' } }],
      metadata: { model: 'gpt-4o', usage: { prompt_tokens: 20, completion_tokens: 5 } },
    });
    expect((await node('0.0'))?.metadata).not.toHaveProperty('tool_calls');
    expect(await node('0.1')).toMatchObject({ branchName: 'retry', metadata: { rating: 5, model: 'gpt-4o-mini' } });
    expect(await node('0.0.0')).toMatchObject({
      role: 'tool',
      name: 'get_weather',
      toolCallId: 'call_1',
      content: '{"temp": 21}',
    });
    expect(await node('0.0.0.0')).toMatchObject({
      role: 'tool',
      toolCalls: [{ id: 'function_call_0.0.0.0', name: 'old_fn', arguments: { x: 1 } }],
    });
    expect((await node('0'))?.createdAt.getTime()).toBe(new Date('2025-03-01T10:00:05.250').getTime());
    const path = await store.getPath({ conversationId: 'support-42', nodeId: conversation.currentNodeId! });
    expect(path.map((each) => each.content)).toEqual([
      'You are a support agent.',
      "What's the weather in Paris?",
      "Let me check… it's sunny.",
    ]);
  });

  it('keeps sibling order from the edges even when the nodes are listed out of order', async () => {
    const store = createMemoryConversationStore();
    const shuffled = { ...fixture, nodes: [...fixture.nodes].reverse(), conversation_id: undefined };
    const { conversation } = await importDataknobsConversation({
      storage: store,
      data: shuffled,
      conversationId: 'copy',
      metadata: { imported: true },
    });
    expect(conversation.metadata).toEqual({ userId: 'u42', tier: 'pro', imported: true });
    expect(
      (await store.getChildren({ conversationId: 'copy', nodeId: '0' })).map((node) => node.branchName ?? null),
    ).toEqual([null, 'retry']);
  });

  it('rejects malformed documents and removes a partly imported conversation', async () => {
    const store = createMemoryConversationStore();
    await expect(importDataknobsConversation({ storage: store, data: [] })).rejects.toThrow(InvalidNodeError);
    await expect(
      importDataknobsConversation({ storage: store, data: { ...fixture, schema_version: '2.0.0' } }),
    ).rejects.toThrow(/schema_version/);
    await expect(
      importDataknobsConversation({ storage: store, data: { ...fixture, edges: [['', 'missing']] } }),
    ).rejects.toThrow(/edges\[0\]/);
    const badRole = structuredClone(fixture);
    badRole.nodes[4].message.role = 'robot';
    const error = await importDataknobsConversation({ storage: store, data: badRole }).catch(
      (caught: unknown) => caught,
    );
    expect(InvalidNodeError.isInstance(error)).toBe(true);
    expect(await store.get({ conversationId: 'support-42' })).toBeUndefined();
  });
});
