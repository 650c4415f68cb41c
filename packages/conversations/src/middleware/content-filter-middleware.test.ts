import type { ConversationStreamPart } from '../turn-types.js';
import { EchoProvider } from '@dk/providers-echo';
import { MemoryConversationStore } from '@dk/storage-memory';
import { describe, expect, it } from 'vitest';
import { ConversationManager } from '../conversation-manager.js';
import { ContentFilterMiddleware } from './content-filter-middleware.js';

async function run(content: string, chunks: string[] | undefined, filter: ContentFilterMiddleware, stream: boolean) {
  const llm = new EchoProvider({ responses: [{ content, ...(chunks === undefined ? {} : { chunks }) }] });
  const storage = new MemoryConversationStore();
  const manager = await ConversationManager.create({ llm, storage, middleware: [filter] });
  await manager.addMessage({ role: 'user', content: 'say something' });
  let seen = '';
  if (stream) {
    const parts: ConversationStreamPart[] = [];
    for await (const part of manager.stream()) parts.push(part);
    seen = parts.map((part) => (part.type === 'text-delta' ? part.text : '')).join('');
  } else {
    seen = (await manager.complete()).content;
  }
  const node = (await storage.getNode({ conversationId: manager.conversationId, nodeId: '0' }))!;
  return { seen, node };
}

describe('ContentFilterMiddleware', () => {
  it('replaces words case-insensitively by default and records it on the node', async () => {
    const { seen, node } = await run(
      'say BAD things, bad!',
      undefined,
      new ContentFilterMiddleware({ words: ['bad'] }),
      false,
    );
    expect(seen).toBe('say [FILTERED] things, [FILTERED]!');
    expect(node.content).toBe(seen);
    expect(node.metadata).toMatchObject({ contentFiltered: true, contentFilteredCount: 2 });
  });

  it('respects caseSensitive and regex patterns', async () => {
    const filter = new ContentFilterMiddleware({
      words: ['Bad'],
      patterns: [/\b\d{3}-\d{2}-\d{4}\b/],
      caseSensitive: true,
      replacement: '***',
    });
    expect(filter.filter('bad Bad 123-45-6789').text).toBe('bad *** ***');
    const mixed = new ContentFilterMiddleware({ words: ['Bad'], patterns: [/secret/i], caseSensitive: true });
    expect(mixed.filter('bad Bad SECRET').text).toBe('bad [FILTERED] [FILTERED]');
  });

  it('catches a word split across stream deltas before the caller sees it', async () => {
    const filter = new ContentFilterMiddleware({ words: ['forbidden'] });
    const { seen, node } = await run('this is forbidden text', ['this is for', 'bid', 'den text'], filter, true);
    expect(seen).toBe('this is [FILTERED] text');
    expect(seen).not.toMatch(/forb|bidden/);
    expect(node.content).toBe('this is [FILTERED] text');
    expect(node.metadata).toMatchObject({ contentFiltered: true, contentFilteredCount: 1 });
  });

  it('streams one character per delta and still filters regex matches', async () => {
    const filter = new ContentFilterMiddleware({ patterns: [/secret-\d+/], maxMatchLength: 20 });
    const content = 'code secret-12345 here and secret-9 end';
    const { seen } = await run(content, [...content], filter, true);
    expect(seen).toBe('code [FILTERED] here and [FILTERED] end');
  });

  it('filters user messages sent to the model when asked, without changing stored nodes', async () => {
    const llm = new EchoProvider();
    const storage = new MemoryConversationStore();
    const manager = await ConversationManager.create({
      llm,
      storage,
      middleware: [new ContentFilterMiddleware({ words: ['darn'], filterRequests: true })],
    });
    await manager.addMessage({ role: 'user', content: 'darn it' });
    await manager.complete();
    expect(llm.calls[0]!.messages[0]!.content).toBe('[FILTERED] it');
    expect((await storage.getNode({ conversationId: manager.conversationId, nodeId: '' }))!.content).toBe('darn it');
  });

  it('refuses an empty configuration', () => {
    expect(() => new ContentFilterMiddleware({ words: [] })).toThrow(/at least one word/);
  });
});
