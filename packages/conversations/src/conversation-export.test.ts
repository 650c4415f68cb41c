import { EchoProvider } from '@dk/providers-echo';
import { MemoryConversationStore } from '@dk/storage-memory';
import { describe, expect, it } from 'vitest';
import { ConversationImportError } from './conversation-import-error.js';
import { ConversationManager } from './conversation-manager.js';
import { exportConversation, importConversation } from './conversation-export.js';

async function branchedConversation(storage: MemoryConversationStore) {
  const manager = await ConversationManager.create({ llm: new EchoProvider(), storage, metadata: { userId: 'u1' } });
  await manager.addMessage({ role: 'system', content: 'sys' });
  await manager.addMessage({ role: 'user', content: 'q1' });
  await manager.complete({ branchName: 'main' });
  await manager.regenerate({ branchName: 'alt' });
  await manager.addMessage({ role: 'user', content: 'q2' });
  return manager;
}

describe('exportConversation / importConversation', () => {
  it('round-trips every node, branch, metadata, timestamp and the cursor through JSON', async () => {
    const source = new MemoryConversationStore();
    const manager = await branchedConversation(source);
    const exported = await exportConversation({ storage: source, conversationId: manager.conversationId });
    expect(exported).toMatchObject({
      format: 'dk.conversation',
      version: 1,
      conversation: { id: manager.conversationId, metadata: { userId: 'u1' }, currentNodeId: '0.1.0' },
    });
    expect(exported.nodes.map((node) => node.id)).toEqual(['', '0', '0.0', '0.1', '0.1.0']);

    const target = new MemoryConversationStore();
    const id = await importConversation({ storage: target, data: JSON.stringify(exported) });
    expect(id).toBe(manager.conversationId);
    const reexported = await exportConversation({ storage: target, conversationId: id });
    expect({ ...reexported, exportedAt: '', conversation: { ...reexported.conversation, updatedAt: '' } }).toEqual({
      ...exported,
      exportedAt: '',
      conversation: { ...exported.conversation, updatedAt: '' },
    });
    const resumed = await ConversationManager.resume({ conversationId: id, llm: new EchoProvider(), storage: target });
    expect(resumed.state.getCurrentMessages().map((message) => message.content)).toEqual([
      'sys',
      'q1',
      'Echo: q1',
      'q2',
    ]);
    const copy = await importConversation({ storage: target, data: exported, conversationId: 'copy' });
    expect(copy).toBe('copy');
  });

  it('refuses malformed documents with the offending path and imports nothing', async () => {
    const source = new MemoryConversationStore();
    const manager = await branchedConversation(source);
    const exported = await exportConversation({ storage: source, conversationId: manager.conversationId });
    const target = new MemoryConversationStore();
    const cases: [unknown, string][] = [
      ['{not json', '$'],
      [{ ...exported, version: 2 }, 'version'],
      [{ ...exported, nodes: [exported.nodes[1], exported.nodes[0]] }, 'nodes[0].parentId'],
      [
        { ...exported, nodes: exported.nodes.map((node, index) => (index === 2 ? { ...node, role: 'robot' } : node)) },
        'nodes[2].role',
      ],
      [{ ...exported, conversation: { ...exported.conversation, currentNodeId: '9' } }, 'conversation.currentNodeId'],
      [
        {
          ...exported,
          conversation: { ...exported.conversation, currentNodeId: '0.1.7' },
          nodes: exported.nodes.map((node, index) => (index === 4 ? { ...node, id: '0.1.7' } : node)),
        },
        'nodes[4].id',
      ],
    ];
    for (const [data, path] of cases) {
      const error = await importConversation({ storage: target, data: data as string }).catch(
        (caught: unknown) => caught,
      );
      expect(ConversationImportError.isInstance(error), path).toBe(true);
      expect((error as ConversationImportError).path).toBe(path);
    }
    expect(await target.count()).toBe(0);
  });
});
