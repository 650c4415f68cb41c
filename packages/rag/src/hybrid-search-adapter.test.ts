import { RagSearchError } from '@dk/spec';
import type { SearchAdapter, SearchOptions, SearchResult } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { HybridSearchAdapter } from './hybrid-search-adapter.js';
import { InMemorySearchAdapter } from './in-memory-search-adapter.js';
import { RagConfigError } from './rag-config-error.js';
import { VectorSearchAdapter } from './vector-search-adapter.js';

/** An adapter that returns a fixed ranking and records its options. */
function ranked(name: string, ids: readonly string[]): SearchAdapter & { seen: SearchOptions[] } {
  const seen: SearchOptions[] = [];
  return {
    specificationVersion: 'v1',
    name,
    seen,
    search(_query, options = {}) {
      seen.push(options);
      const results: SearchResult[] = ids.map((id, index) => ({
        id,
        content: `text ${id}`,
        score: 1 - index / 10,
        metadata: { from: name },
      }));
      return Promise.resolve(results.slice(0, options.k ?? 5));
    },
  };
}

describe('HybridSearchAdapter', () => {
  it('fuses scores: the weighted mean of the two lists, 0 where a list lacks the document; RRF breaks ties', async () => {
    const keyword = ranked('kw', ['a', 'b', 'c']);
    const vector = ranked('vec', ['b', 'd', 'a']);
    const hybrid = new HybridSearchAdapter({ name: 'hy', keyword, vector });
    const results = await hybrid.search('q', { k: 10 });
    // Scores 1, 0.9, 0.8 by rank in each list.
    const expected: Record<string, number> = { a: (1 + 0.8) / 2, b: (0.9 + 1) / 2, c: 0.8 / 2, d: 0.9 / 2 };
    expect(results.map((result) => result.id)).toEqual(['b', 'a', 'd', 'c']);
    for (const result of results) expect(result.score).toBeCloseTo(expected[result.id]!, 12);
    expect(results[0]!.metadata).toEqual({ from: 'kw' });
    const tied = new HybridSearchAdapter({
      name: 'hy',
      keyword: ranked('kw', ['a', 'b']),
      vector: ranked('v', ['b', 'a']),
    });
    // Equal means (0.95): b and a tie; reciprocal rank fusion ties too, so the keyword order decides.
    expect((await tied.search('q')).map((result) => result.id)).toEqual(['a', 'b']);
  });

  it('scores 1 for the best of both lists, at most 0.5 for one list only; threshold and k apply after fusion', async () => {
    const hybrid = new HybridSearchAdapter({
      name: 'hy',
      keyword: ranked('kw', ['a', 'x']),
      vector: ranked('vec', ['a', 'y']),
    });
    const results = await hybrid.search('q');
    expect(results[0]).toMatchObject({ id: 'a', score: 1 });
    const only = new HybridSearchAdapter({ name: 'hy', keyword: ranked('kw', ['p']), vector: ranked('vec', ['q']) });
    expect((await only.search('q')).map((result) => result.score)).toEqual([0.5, 0.5]);
    expect((await only.search('q')).map((result) => result.id)).toEqual(['p', 'q']);
    expect((await hybrid.search('q', { scoreThreshold: 0.6 })).map((result) => result.id)).toEqual(['a']);
    expect(await hybrid.search('q', { k: 1 })).toHaveLength(1);
  });

  it('asks each adapter for max(k, candidates) with the filters and no threshold', async () => {
    const keyword = ranked('kw', ['a']);
    const vector = ranked('vec', ['a']);
    const hybrid = new HybridSearchAdapter({ name: 'hy', keyword, vector, candidates: 7 });
    await hybrid.search('q', { k: 3, filters: { lang: 'ts' }, scoreThreshold: 0.2 });
    await hybrid.search('q', { k: 12 });
    expect(keyword.seen).toEqual([{ k: 7, filters: { lang: 'ts' } }, { k: 12 }]);
    expect(vector.seen[0]).toEqual({ k: 7, filters: { lang: 'ts' } });
  });

  it('weights lists', async () => {
    const hybrid = new HybridSearchAdapter({
      name: 'hy',
      keyword: ranked('kw', ['a', 'b']),
      vector: ranked('vec', ['b', 'a']),
      vectorWeight: 3,
      rrfK: 0,
    });
    const results = await hybrid.search('q');
    // b: (0.9 + 3 × 1) / 4; a: (1 + 3 × 0.9) / 4
    expect(results.map((result) => [result.id, result.score])).toEqual([
      ['b', 3.9 / 4],
      ['a', 3.7 / 4],
    ]);
  });

  it('wraps an adapter failure and validates settings', async () => {
    const failing: SearchAdapter = {
      specificationVersion: 'v1',
      name: 'broken',
      search: () => Promise.reject(new Error('db down')),
    };
    const hybrid = new HybridSearchAdapter({ name: 'hy', keyword: ranked('kw', ['a']), vector: failing });
    await expect(hybrid.search('q')).rejects.toSatisfy(
      (error) => RagSearchError.isInstance(error) && /adapter "broken": db down/.test(error.message),
    );
    expect(() => new HybridSearchAdapter({ name: 'hy', keyword: ranked('kw', []), vector: {} as never })).toThrow(
      RagConfigError,
    );
    expect(
      () =>
        new HybridSearchAdapter({
          name: 'hy',
          keyword: ranked('kw', []),
          vector: ranked('v', []),
          keywordWeight: 0,
          vectorWeight: 0,
        }),
    ).toThrow(/positive weight/);
    expect(
      () => new HybridSearchAdapter({ name: 'hy', keyword: ranked('kw', []), vector: ranked('v', []), rrfK: -1 }),
    ).toThrow(/rrfK/);
  });
});

describe('HybridSearchAdapter.index', () => {
  it('indexes and deletes in both adapters, so one call keeps keyword and vector in step', async () => {
    const words = ['python', 'asyncio', 'bread', 'flour'];
    const vector = new VectorSearchAdapter({
      name: 'vec',
      embeddingModel: {
        specificationVersion: 'v1',
        modelId: 'test:words',
        embed: (texts) =>
          Promise.resolve(texts.map((text) => words.map((word) => (text.toLowerCase().includes(word) ? 1 : 0)))),
      },
    });
    const keyword = new InMemorySearchAdapter({ name: 'kw' });
    const hybrid = new HybridSearchAdapter({ name: 'hy', keyword, vector });
    expect(
      await hybrid.index([
        { id: 'a', content: 'Python asyncio loops' },
        { id: 'b', content: 'Bread from flour' },
      ]),
    ).toEqual({ documents: 2, chunks: 2 });
    expect(vector.size).toBe(2);
    const [top] = await hybrid.search('asyncio in python');
    expect(top).toMatchObject({ id: 'a#0', score: 1 });
    expect(await hybrid.deleteDocuments(['a'])).toBe(1);
    expect(vector.size).toBe(1);
    expect((await hybrid.search('asyncio')).map((result) => result.id)).not.toContain('a#0');
    const plain = new HybridSearchAdapter({ name: 'hy', keyword: ranked('kw', []), vector });
    await expect(plain.index([])).rejects.toThrow(/"kw" does not/);
  });
});
