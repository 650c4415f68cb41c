import { InMemorySearchAdapter, MemoryRagResultCache, ragQueryHash } from '@dk/rag';
import type { SearchOptions, SearchResult } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { ConfigPromptLibrary } from './config-prompt-library.js';
import { PromptBuilder } from './prompt-builder.js';

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
      { id: 'a1', content: 'asyncio runs coroutines on an event loop '.repeat(3), metadata: { type: 'docs' } },
      { id: 'a2', content: 'asyncio gather runs awaitables concurrently '.repeat(3), metadata: { type: 'docs' } },
      { id: 'a3', content: 'asyncio sleep pauses a coroutine '.repeat(3), metadata: { type: 'docs' } },
    ],
  });
  const library = new ConfigPromptLibrary({
    user: {
      ask: {
        template: 'Docs:\n{{RAG_CONTENT}}\nQ: {{question}}',
        rag_configs: [{ adapter_name: 'docs', query: '{{question}}', k: 3, filters: { type: 'docs' } }],
      },
      budgeted: {
        template: '{{RAG_CONTENT}}',
        rag_configs: [
          { adapter_name: 'docs', query: '{{question}}', k: 3, item_template: '{{content}}', max_tokens: 70 },
        ],
      },
    },
  });
  return { docs, builder: new PromptBuilder({ library, adapters: [docs] }) };
}

describe('PromptBuilder RAG cache and budget', () => {
  it('reports the query hash it computed and reuses cached results instead of searching', async () => {
    const { docs, builder } = setup();
    const cache = new MemoryRagResultCache();
    const first = await builder.renderUserPrompt('ask', {
      params: { question: 'asyncio event loop' },
      ragCache: cache,
    });
    const second = await builder.renderUserPrompt('ask', {
      params: { question: 'asyncio event loop' },
      ragCache: cache,
    });
    expect(docs.searches).toBe(1);
    expect(first.rag[0]!.cacheHit).toBe(false);
    expect(second.rag[0]!.cacheHit).toBe(true);
    expect(second.content).toBe(first.content);
    expect(first.rag[0]!.queryHash).toBe(
      ragQueryHash({
        adapterName: 'docs',
        query: 'asyncio event loop',
        k: 3,
        filters: { type: 'docs' },
        scoreThreshold: undefined,
      }),
    );
    // without a cache every render searches
    await builder.renderUserPrompt('ask', { params: { question: 'asyncio event loop' } });
    expect(docs.searches).toBe(2);
  });

  it('applies a config max_tokens and a per-call prompt budget, and reports them', async () => {
    const { builder } = setup();
    const config = await builder.renderUserPrompt('budgeted', { params: { question: 'asyncio' } });
    expect(config.rag[0]!.results).toHaveLength(2);
    expect(config.rag[0]!.dropped).toHaveLength(1);
    expect(config.ragBudget).toBeUndefined();
    const prompt = await builder.renderUserPrompt('ask', { params: { question: 'asyncio' }, ragMaxTokens: 60 });
    expect(prompt.rag[0]!.results).toHaveLength(1);
    expect(prompt.ragBudget).toMatchObject({ maxTokens: 60 });
    expect(prompt.ragBudget!.dropped).toHaveLength(2);
    expect(() => new PromptBuilder({ ragMaxTokens: -1 })).toThrow(/ragMaxTokens must be a positive integer/);
  });
});
