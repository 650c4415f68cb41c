import { EchoProvider } from '@dk/providers-echo';
import { MemoryConversationStore } from '@dk/storage-memory';
import { describe, expect, it } from 'vitest';
import { ConversationManager } from '../conversation-manager.js';
import { HistoryRedactionMiddleware } from './history-redaction-middleware.js';

describe('HistoryRedactionMiddleware', () => {
  it('rewrites earlier assistant messages sent to the model but not the stored tree', async () => {
    const llm = new EchoProvider({ responses: ['See [bib:12 p.3] and bib:7.', 'ok'] });
    const storage = new MemoryConversationStore();
    const redaction = new HistoryRedactionMiddleware({
      redactions: [
        { pattern: '\\[bib:\\d+[^\\]]*\\]', replacement: '[prior citation]' },
        { pattern: /\bbib:\d+\b/, replacement: '[prior citation]' },
      ],
    });
    const manager = await ConversationManager.create({ llm, storage, middleware: [redaction] });
    await manager.addMessage({ role: 'user', content: 'bib:1 question' });
    await manager.complete();
    await manager.addMessage({ role: 'user', content: 'follow up' });
    await manager.complete();
    const sent = llm.calls[1]!.messages;
    expect(sent[1]!.content).toBe('See [prior citation] and [prior citation].');
    expect(sent[0]!.content).toBe('bib:1 question');
    expect((await storage.getNode({ conversationId: manager.conversationId, nodeId: '0' }))!.content).toBe(
      'See [bib:12 p.3] and bib:7.',
    );
  });

  it('validates its rules at construction', () => {
    expect(() => new HistoryRedactionMiddleware({ redactions: [] })).toThrow(/non-empty/);
    expect(() => new HistoryRedactionMiddleware({ redactions: [{ pattern: '(' }] })).toThrow(
      /valid regular expression/,
    );
    expect(() => new HistoryRedactionMiddleware({ redactions: [{ pattern: 'a*' }] })).toThrow(/empty string/);
  });
});
