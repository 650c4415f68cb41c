import { RagSearchError } from '@dk/spec';
import { calibrateScore, defaultKeywordFalloff, defaultKeywordFullMatch } from '@dk/storage-utils';
import { describe, expect, it } from 'vitest';
import { InMemorySearchAdapter } from './in-memory-search-adapter.js';
import { RagConfigError } from './rag-config-error.js';

const documents = [
  {
    id: 'async',
    content: 'Python async programming with asyncio event loops',
    metadata: { type: 'docs', lang: 'python' },
  },
  { id: 'gen', content: 'Python generators and iterators explained', metadata: { type: 'docs', lang: 'python' } },
  { id: 'ts', content: 'TypeScript async functions return promises', metadata: { type: 'code', lang: 'typescript' } },
  { id: 'cook', content: 'A recipe for bread with flour, water and salt', metadata: { type: 'blog' } },
];

describe('InMemorySearchAdapter', () => {
  it('ranks by BM25 relevance, best first, with scores in 0–1', async () => {
    const adapter = new InMemorySearchAdapter({ name: 'docs', documents });
    const results = await adapter.search('python asyncio');
    expect(results.map((result) => result.id)).toEqual(['async', 'gen']);
    // Both terms matched: the best match of an answered query scores 1.
    expect(results[0]!.score).toBe(1);
    expect(results[1]!.score).toBeGreaterThan(0);
    expect(results[1]!.score).toBeLessThan(results[0]!.score);
    for (const result of results) expect(result.score).toBeLessThanOrEqual(1);
    expect(results[0]).toEqual({
      id: 'async',
      content: documents[0]!.content,
      score: results[0]!.score,
      metadata: { type: 'docs', lang: 'python' },
    });
  });

  it("scores on dk's scale: coverage relative to the best match, times the best match's confidence", async () => {
    const adapter = new InMemorySearchAdapter({ name: 'docs', documents });
    const [only] = await adapter.search('bread unicorn');
    expect(only!.id).toBe('cook');
    // "unicorn" is in no document: the best match covers 0.34 of the query (its idf share),
    // under the full-match coverage 0.35, so it scores (0.34 / 0.35)⁴ and not 1.
    const idf = (df: number) => Math.log(1 + (4 - df + 0.5) / (df + 0.5));
    const coverage = idf(1) / (idf(1) + idf(0));
    expect(only!.score).toBeCloseTo(
      calibrateScore(coverage, coverage, defaultKeywordFullMatch, defaultKeywordFalloff),
      12,
    );
    expect(only!.score).toBeCloseTo((coverage / 0.35) ** 4, 12);
    expect(only!.score).toBeGreaterThan(0.7);
    // An off-topic question sharing one common word with the documents scores low throughout.
    const offTopic = await adapter.search('which python snakes live in the desert sand dunes');
    expect(offTopic.length).toBeGreaterThan(0);
    for (const result of offTopic) expect(result.score).toBeLessThan(0.5);
    // The best match of an answered question scores 1, the others relative to it.
    const [first, second] = await adapter.search('python asyncio');
    expect(first!.score).toBe(1);
    expect(second!.score).toBeLessThan(0.7);
  });

  it('applies k, score thresholds and metadata filters (array = any of)', async () => {
    const adapter = new InMemorySearchAdapter({ name: 'docs', documents });
    expect(await adapter.search('async', { k: 1 })).toHaveLength(1);
    const filtered = await adapter.search('async', { filters: { type: 'code' } });
    expect(filtered.map((result) => result.id)).toEqual(['ts']);
    const anyOf = await adapter.search('async python', { filters: { lang: ['typescript', 'python'] } });
    expect(anyOf.map((result) => result.id).sort()).toEqual(['async', 'gen', 'ts']);
    expect(await adapter.search('async', { filters: { missing: 'x' } })).toEqual([]);
    const all = await adapter.search('python asyncio');
    const strict = await adapter.search('python asyncio', { scoreThreshold: 0.9 });
    expect(strict.map((result) => result.id)).toEqual(['async']);
    expect(all.length).toBeGreaterThan(strict.length);
  });

  it('ignores case, punctuation and stop words; an empty query finds nothing', async () => {
    const adapter = new InMemorySearchAdapter({ name: 'docs', documents });
    expect((await adapter.search('How do I use ASYNCIO?!')).map((result) => result.id)).toEqual(['async']);
    expect(await adapter.search('the of and')).toEqual([]);
    expect(await adapter.search('')).toEqual([]);
  });

  it('replaces a document re-added with the same id and removes documents', async () => {
    const adapter = new InMemorySearchAdapter({ name: 'docs', documents });
    adapter.add({ id: 'cook', content: 'asyncio cookbook' });
    expect(adapter.size).toBe(4);
    expect((await adapter.search('bread')).length).toBe(0);
    expect((await adapter.search('cookbook')).map((result) => result.id)).toEqual(['cook']);
    expect(adapter.remove('cook')).toBe(true);
    expect(adapter.remove('cook')).toBe(false);
    expect(await adapter.search('cookbook')).toEqual([]);
    expect(adapter.size).toBe(3);
  });

  it('returns copies: callers cannot change the index through results', async () => {
    const adapter = new InMemorySearchAdapter({ name: 'docs', documents });
    const [first] = await adapter.search('asyncio');
    (first!.metadata as Record<string, unknown>)['type'] = 'changed';
    const [again] = await adapter.search('asyncio');
    expect(again!.metadata['type']).toBe('docs');
  });

  it('rejects invalid options and settings with typed errors', async () => {
    const adapter = new InMemorySearchAdapter({ name: 'docs', documents });
    await expect(adapter.search('x', { k: 0 })).rejects.toSatisfy(
      (error) => RagSearchError.isInstance(error) && error.code === 'RAG_SEARCH_OPTIONS_INVALID',
    );
    await expect(adapter.search('x', { scoreThreshold: 1.5 })).rejects.toThrow(/between 0 and 1/);
    expect(() => new InMemorySearchAdapter({ name: '' })).toThrow(RagConfigError);
    expect(() => new InMemorySearchAdapter({ name: 'x', b: 2 })).toThrow(/b must be between 0 and 1/);
    expect(() => adapter.add({ id: '', content: 'x' })).toThrow(/non-empty string `id`/);
  });

  it('honours an aborted signal and fails after close', async () => {
    const adapter = new InMemorySearchAdapter({ name: 'docs', documents });
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(adapter.search('python', { signal: controller.signal })).rejects.toThrow('stop');
    await adapter.close();
    await adapter.close();
    await expect(adapter.search('python')).rejects.toSatisfy(
      (error) => RagSearchError.isInstance(error) && error.code === 'RAG_ADAPTER_CLOSED',
    );
  });

  it('prefers the shorter document when term frequencies are equal', async () => {
    const adapter = new InMemorySearchAdapter({
      name: 'docs',
      documents: [
        { id: 'long', content: 'kafka ' + 'filler words here and there '.repeat(10) },
        { id: 'short', content: 'kafka streams' },
      ],
    });
    const results = await adapter.search('kafka');
    expect(results.map((result) => result.id)).toEqual(['short', 'long']);
    expect(results[0]!.score).toBe(1);
    expect(results[1]!.score).toBeLessThan(1);
  });

  it('stays correct through many removals (postings are compacted) and ties keep insertion order', async () => {
    const adapter = new InMemorySearchAdapter({ name: 'docs' });
    adapter.add(
      Array.from({ length: 3000 }, (_, index) => ({
        id: `d${index}`,
        content: index % 3 === 0 ? 'alpha beta' : 'gamma delta',
        metadata: { n: index },
      })),
    );
    for (let index = 0; index < 2500; index++) adapter.remove(`d${index}`);
    expect(adapter.size).toBe(500);
    const results = await adapter.search('alpha', { k: 3 });
    expect(results.map((result) => result.id)).toEqual(['d2502', 'd2505', 'd2508']);
    expect(results.every((result) => result.score === 1)).toBe(true);
    const filtered = await adapter.search('gamma', { k: 2, filters: { n: [2999, 2501] } });
    expect(filtered.map((result) => result.id)).toEqual(['d2501', 'd2999']);
  });
});
