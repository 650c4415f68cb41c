import type { SearchAdapter, SearchOptions, SearchResult } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { InMemorySearchAdapter } from './in-memory-search-adapter.js';
import { MemoryRagResultCache, ragQueryHash } from './rag-cache.js';
import { runRagSearches } from './run-rag-searches.js';

/** Wraps an adapter and counts its searches. */
function counted(inner: SearchAdapter): SearchAdapter & { searches: number } {
  return {
    specificationVersion: 'v1',
    name: inner.name,
    searches: 0,
    search(query: string, options?: SearchOptions): Promise<SearchResult[]> {
      this.searches++;
      return inner.search(query, options);
    },
  };
}

const docs = () =>
  counted(
    new InMemorySearchAdapter({
      name: 'docs',
      documents: [
        { id: 'a', content: 'asyncio event loop basics' },
        { id: 'b', content: 'asyncio tasks and cancellation' },
      ],
    }),
  );

describe('ragQueryHash', () => {
  const base = {
    adapterName: 'docs',
    query: 'asyncio',
    k: 5,
    filters: { type: 'docs', lang: 'py' },
    scoreThreshold: 0.2,
  };
  it('depends on adapter, query, k, filters and threshold, not on filter key order', () => {
    const hash = ragQueryHash(base);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(ragQueryHash({ ...base, filters: { lang: 'py', type: 'docs' } })).toBe(hash);
    for (const change of [
      { adapterName: 'code' },
      { query: 'asyncio ' },
      { k: 4 },
      { filters: { type: 'docs' } },
      { scoreThreshold: undefined },
      { filters: undefined },
    ]) {
      expect(ragQueryHash({ ...base, ...change })).not.toBe(hash);
    }
  });
});

describe('runRagSearches with a cache', () => {
  it('searches once, then serves the same rendered search from the cache, reporting the hash', async () => {
    const adapter = docs();
    const cache = new MemoryRagResultCache();
    const request = { config: { adapter_name: 'docs', query: '{{topic}}', k: 2 } };
    const adapters = new Map([['docs', adapter]]);
    const first = await runRagSearches({ requests: [request], adapters, params: { topic: 'asyncio' }, cache });
    const second = await runRagSearches({ requests: [request], adapters, params: { topic: '  asyncio ' }, cache });
    expect(adapter.searches).toBe(1);
    expect(first.runs[0]!.cacheHit).toBe(false);
    expect(second.runs[0]!.cacheHit).toBe(true);
    expect(second.runs[0]!.queryHash).toBe(first.runs[0]!.queryHash);
    expect(first.runs[0]!.queryHash).toBe(
      ragQueryHash({ adapterName: 'docs', query: 'asyncio', k: 2, filters: undefined, scoreThreshold: undefined }),
    );
    expect(second.values).toEqual(first.values);
    expect(second.runs[0]!.results).toEqual(first.runs[0]!.results);
    // different params → different hash → a miss
    const third = await runRagSearches({ requests: [request], adapters, params: { topic: 'tasks' }, cache });
    expect(third.runs[0]!.cacheHit).toBe(false);
    expect(adapter.searches).toBe(2);
    expect(cache.size).toBe(2);
  });

  it('does not cache failures or skipped queries', async () => {
    const failing: SearchAdapter = {
      specificationVersion: 'v1',
      name: 'docs',
      search: () => Promise.reject(new Error('down')),
    };
    const cache = new MemoryRagResultCache();
    const outcome = await runRagSearches({
      requests: [
        { config: { adapter_name: 'docs', query: 'x' } },
        { config: { adapter_name: 'docs', query: '{{missing}}' } },
      ],
      adapters: new Map([['docs', failing]]),
      params: {},
      cache,
      failurePolicy: 'omit',
    });
    expect(outcome.runs.map((run) => run.status)).toEqual(['failed', 'skipped']);
    expect(outcome.runs[1]!.queryHash).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('memory cache copies results and evicts the least recently used', () => {
    const cache = new MemoryRagResultCache({ maxEntries: 2 });
    const result = { id: 'a', content: 'x', score: 1, metadata: { m: 1 } };
    cache.set('h1', [result]);
    (cache.get('h1')![0]!.metadata as Record<string, unknown>)['m'] = 2;
    expect(cache.get('h1')![0]!.metadata).toEqual({ m: 1 });
    cache.set('h2', []);
    cache.get('h1');
    cache.set('h3', []);
    expect(cache.get('h2')).toBeUndefined();
    expect(cache.get('h1')).toHaveLength(1);
    expect(() => new MemoryRagResultCache({ maxEntries: 0 })).toThrow(/positive integer/);
  });

  it('refuses a misspelt setting with a did-you-mean', () => {
    expect(() => new MemoryRagResultCache({ max_entries: 10 } as never)).toThrow(/did you mean `maxEntries`/);
  });
});
