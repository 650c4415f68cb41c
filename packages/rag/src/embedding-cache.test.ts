import type { EmbeddingModel } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { CachedEmbeddingModel, hashEmbeddingText, MemoryEmbeddingCache } from './embedding-cache.js';
import { RagConfigError } from './rag-config-error.js';

/** A model that records what it was asked to embed. */
function countingModel(modelId = 'test:len'): EmbeddingModel & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    specificationVersion: 'v1',
    modelId,
    dimensions: 2,
    calls,
    embed(texts) {
      calls.push([...texts]);
      return Promise.resolve(texts.map((text) => [text.length, 1]));
    },
  };
}

describe('MemoryEmbeddingCache and CachedEmbeddingModel', () => {
  it('embeds only what the cache lacks, each distinct text once, and keeps order', async () => {
    const model = countingModel();
    const cached = new CachedEmbeddingModel({ model, cache: new MemoryEmbeddingCache() });
    expect(cached.modelId).toBe('test:len');
    expect(await cached.embed(['aa', 'b', 'aa'])).toEqual([
      [2, 1],
      [1, 1],
      [2, 1],
    ]);
    expect(model.calls).toEqual([['aa', 'b']]);
    expect(await cached.embed(['ccc', 'b'])).toEqual([
      [3, 1],
      [1, 1],
    ]);
    expect(model.calls).toEqual([['aa', 'b'], ['ccc']]);
    expect(await cached.embed(['aa', 'ccc'])).toEqual([
      [2, 1],
      [3, 1],
    ]);
    expect(model.calls).toHaveLength(2);
    expect(cached.stats).toEqual({ hits: 3, misses: 3 });
    expect(await cached.embed([])).toEqual([]);
  });

  it('keys by model id: another model misses', async () => {
    const cache = new MemoryEmbeddingCache();
    const first = countingModel('a');
    const second = countingModel('b');
    await new CachedEmbeddingModel({ model: first, cache }).embed(['x']);
    await new CachedEmbeddingModel({ model: second, cache }).embed(['x']);
    expect(second.calls).toEqual([['x']]);
    expect(cache.size).toBe(2);
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const cache = new MemoryEmbeddingCache({ maxEntries: 2 });
    const [a, b, c] = ['a', 'b', 'c'].map(hashEmbeddingText);
    await cache.setMany('m', [
      { textHash: a!, vector: [1] },
      { textHash: b!, vector: [2] },
    ]);
    await cache.getMany('m', [a!]);
    await cache.setMany('m', [{ textHash: c!, vector: [3] }]);
    expect(await cache.getMany('m', [a!, b!, c!])).toEqual([[1], undefined, [3]]);
    expect(() => new MemoryEmbeddingCache({ maxEntries: 0 })).toThrow(RagConfigError);
  });

  it('hashes text with SHA-256 and rejects a model that returns the wrong number of vectors', async () => {
    expect(hashEmbeddingText('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const broken: EmbeddingModel = { specificationVersion: 'v1', modelId: 'broken', embed: () => Promise.resolve([]) };
    await expect(
      new CachedEmbeddingModel({ model: broken, cache: new MemoryEmbeddingCache() }).embed(['x']),
    ).rejects.toThrow(/returned 0 vectors for 1 texts/);
    expect(() => new CachedEmbeddingModel({ model: broken, cache: {} as never })).toThrow(/needs `cache`/);
  });
});
