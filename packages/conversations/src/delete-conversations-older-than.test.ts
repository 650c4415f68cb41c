import { EchoProvider } from '@dk/providers-echo';
import { MemoryConversationStore } from '@dk/storage-memory';
import { describe, expect, it } from 'vitest';
import { ConversationManager } from './conversation-manager.js';
import { deleteConversationsOlderThan } from './delete-conversations-older-than.js';

describe('deleteConversationsOlderThan', () => {
  it('deletes conversations not updated since the cutoff (the guide cleanup pattern)', async () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const storage = new MemoryConversationStore({ now: () => now });
    const llm = new EchoProvider();
    const old = await ConversationManager.create({ llm, storage });
    await old.addMessage({ role: 'user', content: 'old' });
    now = new Date('2026-03-01T00:00:00Z');
    const recent = await ConversationManager.create({ llm, storage });
    await recent.addMessage({ role: 'user', content: 'new' });

    const days = 30;
    const cutoff = new Date(now.getTime() - days * 86_400_000);
    expect(await deleteConversationsOlderThan({ storage, before: cutoff })).toBe(1);
    expect(await storage.get({ conversationId: old.conversationId })).toBeUndefined();
    expect(await storage.get({ conversationId: recent.conversationId })).toBeDefined();
    await expect(deleteConversationsOlderThan({ storage, before: new Date('nope') })).rejects.toThrow(/valid Date/);
  });
});
