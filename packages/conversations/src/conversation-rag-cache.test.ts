import { EchoProvider } from '@dk/providers-echo';
import { ConfigPromptLibrary, PromptBuilder } from '@dk/prompts';
import { InMemorySearchAdapter } from '@dk/rag';
import type { SearchOptions, SearchResult } from '@dk/spec';
import { MemoryConversationStore } from '@dk/storage-memory';
import { describe, expect, it } from 'vitest';
import { ConversationManager } from './conversation-manager.js';

class CountingAdapter extends InMemorySearchAdapter {
  searches = 0;
  override async search(query: string, options?: SearchOptions): Promise<SearchResult[]> {
    this.searches++;
    return await super.search(query, options);
  }
}

function setup() {
  const docs = new CountingAdapter({
    name: 'docs',
    documents: [
      { id: 'd1', content: 'Python decorators wrap a function to extend its behaviour.', metadata: { lang: 'python' } },
      { id: 'd2', content: 'Go interfaces are satisfied implicitly.', metadata: { lang: 'go' } },
      { id: 'd3', content: 'Python generators yield values lazily.', metadata: { lang: 'python' } },
    ],
  });
  const library = new ConfigPromptLibrary({
    user: {
      // the query depends on a default: the Python original's cache missed exactly this case
      budgeted: {
        template: '{{RAG_CONTENT}}',
        rag_configs: [{ adapter_name: 'docs', query: 'python', k: 3, item_template: '{{content}}', max_tokens: 16 }],
      },
      code_question: {
        template: 'Context:\n{{RAG_CONTENT}}\nQuestion about {{topic}} in {{language}}?',
        defaults: { language: 'python' },
        rag_configs: [{ adapter_name: 'docs', query: '{{language}} {{topic}}', k: 2 }],
      },
    },
  });
  const builder = new PromptBuilder({ library, adapters: [docs] });
  return { docs, builder, storage: new MemoryConversationStore() };
}

describe('cacheRag: RAG results reused across branches', () => {
  it('a repeat of the same prompt and params on another branch reuses the stored results without searching', async () => {
    const { docs, builder, storage } = setup();
    const manager = await ConversationManager.create({
      llm: new EchoProvider(),
      promptBuilder: builder,
      storage,
      cacheRag: true,
    });
    await manager.addMessage({ role: 'system', content: 'You are helpful.' });
    const first = await manager.addMessage({
      role: 'user',
      promptName: 'code_question',
      params: { topic: 'decorators' },
    });
    await manager.complete();
    expect(docs.searches).toBe(1);
    const firstPrompt = first.metadata['prompt'] as { rag: Record<string, unknown>[]; ragCacheHit?: boolean };
    expect(firstPrompt.ragCacheHit).toBeUndefined();
    expect(firstPrompt.rag[0]!['queryHash']).toEqual(expect.stringMatching(/^[0-9a-f]{64}$/));
    // the node keeps the hash the builder computed: a direct render reports the same one
    const direct = await builder.renderUserPrompt('code_question', { params: { topic: 'decorators' } });
    expect(direct.rag[0]!.queryHash).toBe(firstPrompt.rag[0]!['queryHash']);
    docs.searches -= 1; // that render searched; count only the conversation's searches below
    const retrieved = firstPrompt.rag[0]!['retrieved'] as SearchResult[];
    expect(retrieved.map((result) => result.id)).toEqual(['d1', 'd3']);
    expect(retrieved[0]).toEqual({
      id: 'd1',
      content: 'Python decorators wrap a function to extend its behaviour.',
      score: expect.any(Number),
      metadata: { lang: 'python' },
    });

    await manager.branchFrom(first.id);
    const second = await manager.addMessage({
      role: 'user',
      promptName: 'code_question',
      params: { topic: 'decorators' },
    });
    expect(second.id).not.toBe(first.id);
    expect(docs.searches).toBe(1);
    expect(second.content).toBe(first.content);
    const secondPrompt = second.metadata['prompt'] as { rag: Record<string, unknown>[]; ragCacheHit?: boolean };
    expect(secondPrompt.ragCacheHit).toBe(true);
    expect(secondPrompt.rag[0]).toMatchObject({
      cacheHit: true,
      cachedFrom: first.id,
      queryHash: firstPrompt.rag[0]!['queryHash'],
    });

    // different params: a different hash, so a search
    await manager.branchFrom(first.id);
    const third = await manager.addMessage({
      role: 'user',
      promptName: 'code_question',
      params: { topic: 'generators' },
    });
    expect(docs.searches).toBe(2);
    expect((third.metadata['prompt'] as { ragCacheHit?: boolean }).ragCacheHit).toBeUndefined();
    // the same query reached through an explicit param equal to the default: same hash, reused
    await manager.branchFrom(first.id);
    await manager.addMessage({
      role: 'user',
      promptName: 'code_question',
      params: { topic: 'generators', language: 'python' },
    });
    expect(docs.searches).toBe(2);
  });

  it('after resume, results kept on the loaded path are reused; without cacheRag every render searches and nodes keep no text', async () => {
    const { docs, builder, storage } = setup();
    const manager = await ConversationManager.create({
      llm: new EchoProvider(),
      promptBuilder: builder,
      storage,
      cacheRag: true,
    });
    await manager.addMessage({ role: 'user', promptName: 'code_question', params: { topic: 'decorators' } });
    await manager.complete();
    const resumed = await ConversationManager.resume({
      llm: new EchoProvider(),
      promptBuilder: builder,
      storage,
      conversationId: manager.conversationId,
      cacheRag: true,
    });
    await resumed.addMessage({ role: 'user', promptName: 'code_question', params: { topic: 'decorators' } });
    expect(docs.searches).toBe(1);

    const plain = await ConversationManager.resume({
      llm: new EchoProvider(),
      promptBuilder: builder,
      storage,
      conversationId: manager.conversationId,
    });
    const node = await plain.addMessage({ role: 'user', promptName: 'code_question', params: { topic: 'decorators' } });
    expect(docs.searches).toBe(2);
    expect(JSON.stringify(node.metadata)).not.toContain('decorators wrap');
    // per-message opt-in on a manager without cacheRag
    await plain.branchFrom(node.id);
    await plain.addMessage({
      role: 'user',
      promptName: 'code_question',
      params: { topic: 'decorators' },
      cacheRag: true,
    });
    expect(docs.searches).toBe(2);
  });

  it('records a RAG token budget and what it dropped on the node', async () => {
    const { builder, storage } = setup();
    const manager = await ConversationManager.create({ llm: new EchoProvider(), promptBuilder: builder, storage });
    const node = await manager.addMessage({ role: 'user', promptName: 'budgeted' });
    const run = (node.metadata['prompt'] as { rag: Record<string, unknown>[] }).rag[0]!;
    expect(run['maxTokens']).toBe(16);
    expect(run['results']).toHaveLength(1);
    expect(run['dropped']).toEqual([expect.objectContaining({ budget: 'config', tokens: expect.any(Number) })]);
    expect(run['retrieved']).toBeUndefined();
  });
});
