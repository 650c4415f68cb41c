import { RagSearchError } from '@dk/spec';
import type { EmbeddingModel } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { RagConfigError } from './rag-config-error.js';
import { VectorSearchAdapter } from './vector-search-adapter.js';

/** Fixed 3-d vectors per text, so the expected cosines are known exactly. */
const vectors: Record<string, number[]> = {
  north: [0, 1, 0],
  east: [1, 0, 0],
  northeast: [1, 1, 0],
  south: [0, -1, 0],
  up: [0, 0, 2],
};
const model: EmbeddingModel & { calls: number } = {
  specificationVersion: 'v1',
  modelId: 'test:fixed',
  calls: 0,
  embed(texts) {
    this.calls++;
    return Promise.resolve(texts.map((text) => vectors[text] ?? [0, 0, 0]));
  },
};

async function adapter() {
  const result = new VectorSearchAdapter({ name: 'vec', embeddingModel: model, batchSize: 2 });
  await result.add([
    { id: 'n', content: 'north', metadata: { kind: 'cardinal' } },
    { id: 'e', content: 'east', metadata: { kind: 'cardinal' } },
    { id: 'ne', content: 'northeast', metadata: { kind: 'diagonal' } },
    { id: 's', content: 'south', metadata: { kind: 'cardinal' } },
    { id: 'u', content: 'up', metadata: { kind: 'vertical' } },
  ]);
  return result;
}

describe('VectorSearchAdapter', () => {
  it('ranks by cosine similarity, clamped to 0–1; ties keep insertion order', async () => {
    const vec = await adapter();
    const results = await vec.search('north', { k: 5 });
    expect(results.map((result) => [result.id, Number(result.score.toFixed(4))])).toEqual([
      ['n', 1],
      ['ne', Number(Math.SQRT1_2.toFixed(4))],
      // orthogonal (e, u) and opposite (s) documents score 0 and are left out
    ]);
    expect(results[0]).toEqual({ id: 'n', content: 'north', score: 1, metadata: { kind: 'cardinal' } });
    await vec.add({ id: 'n2', content: 'north' });
    expect((await vec.search('north')).map((result) => result.id)).toEqual(['n', 'n2', 'ne']);
  });

  it('applies k, threshold and filters, and embeds in batches', async () => {
    model.calls = 0;
    const vec = await adapter();
    expect(model.calls).toBe(3);
    expect((await vec.search('east', { k: 1 })).map((result) => result.id)).toEqual(['e']);
    expect((await vec.search('east', { scoreThreshold: 0.5 })).map((result) => result.id)).toEqual(['e', 'ne']);
    expect((await vec.search('east', { filters: { kind: 'diagonal' } })).map((result) => result.id)).toEqual(['ne']);
    expect(await vec.search('  ')).toEqual([]);
  });

  it('replaces and removes documents, and accepts precomputed embeddings', async () => {
    const vec = await adapter();
    await vec.add({ id: 'n', content: 'renamed', embedding: [1, 0, 0] });
    expect(vec.size).toBe(5);
    const top = await vec.search('east', { k: 2 });
    expect(top.map((result) => result.id).sort()).toEqual(['e', 'n']);
    expect(vec.remove('n')).toBe(true);
    expect(vec.remove('n')).toBe(false);
    expect(vec.size).toBe(4);
  });

  it('rejects mismatched dimensions, bad settings, and fails after close', async () => {
    const vec = await adapter();
    await expect(vec.add({ id: 'x', content: 'x', embedding: [1, 2] })).rejects.toThrow(
      /2 dimensions, but "vec" holds 3-dimensional/,
    );
    await expect(vec.add({ id: 'y', content: 'y', embedding: [Number.NaN, 1, 1] })).rejects.toThrow(RagConfigError);
    expect(() => new VectorSearchAdapter({ name: 'v', embeddingModel: {} as never })).toThrow(/needs `embeddingModel`/);
    await expect(vec.search('north', { k: 0 })).rejects.toSatisfy((error) => RagSearchError.isInstance(error));
    const failing = new VectorSearchAdapter({
      name: 'f',
      embeddingModel: { specificationVersion: 'v1', modelId: 'bad', embed: () => Promise.reject(new Error('quota')) },
    });
    await failing.add({ id: 'a', content: 'a', embedding: [1] });
    await expect(failing.search('a')).rejects.toThrow(/could not embed the query with "bad": quota/);
    await vec.close();
    await expect(vec.search('north')).rejects.toSatisfy(
      (error) => RagSearchError.isInstance(error) && error.code === 'RAG_ADAPTER_CLOSED',
    );
  });
});

describe('VectorSearchAdapter.index', () => {
  it('chunks, embeds and indexes documents; re-indexing replaces chunks; deleteDocuments removes them', async () => {
    const words: EmbeddingModel = {
      specificationVersion: 'v1',
      modelId: 'test:words',
      embed: (texts) =>
        Promise.resolve(texts.map((text) => ['alpha', 'beta', 'gamma'].map((word) => (text.includes(word) ? 1 : 0)))),
    };
    const vec = new VectorSearchAdapter({ name: 'vec', embeddingModel: words });
    const progress: number[] = [];
    const result = await vec.index(
      [
        { id: 'doc', content: 'alpha alpha alpha.\n\nbeta beta beta.', metadata: { source: 'a.md' } },
        { id: 'other', content: 'gamma only' },
      ],
      { chunking: { maxChars: 50, overlapChars: 0 }, onProgress: (report) => progress.push(report.chunksIndexed) },
    );
    expect(result).toEqual({ documents: 2, chunks: 2 });
    expect(progress).toEqual([2]);
    const [top] = await vec.search('beta');
    expect(top).toMatchObject({
      id: 'doc#0',
      score: expect.any(Number),
      metadata: { source: 'a.md', documentId: 'doc', chunkIndex: 0 },
    });
    await vec.index([{ id: 'doc', content: 'gamma gamma' }], { chunking: false });
    expect(vec.size).toBe(2);
    expect((await vec.search('alpha', { scoreThreshold: 0.1 })).map((hit) => hit.id)).toEqual([]);
    expect(await vec.deleteDocuments(['doc', 'missing'])).toBe(1);
    expect(vec.size).toBe(1);
    await expect(vec.index([{ id: '', content: 'x' }])).rejects.toSatisfy(
      (error) => RagSearchError.isInstance(error) && error.code === 'RAG_INDEX_INVALID',
    );
  });
});
