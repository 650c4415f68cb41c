import { CachedEmbeddingModel, HybridSearchAdapter, runRagSearches, VectorSearchAdapter } from '@dk/rag';
import type { EmbeddingModel } from '@dk/spec';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteEmbeddingCache } from './sqlite-embedding-cache.js';
import { SqliteSearchAdapter } from './sqlite-search-adapter.js';

const directory = mkdtempSync(join(tmpdir(), 'dk-hybrid-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** A toy "semantic" model: maps words to concepts, so a paraphrase without shared words still matches. */
const concepts: Record<string, number> = {
  car: 0,
  automobile: 0,
  vehicle: 0,
  repair: 1,
  fix: 1,
  mechanic: 1,
  bread: 2,
  flour: 2,
  bake: 2,
};
function conceptModel(): EmbeddingModel & { embedded: number } {
  return {
    specificationVersion: 'v1',
    modelId: 'test:concepts',
    dimensions: 3,
    embedded: 0,
    embed(texts) {
      this.embedded += texts.length;
      return Promise.resolve(
        texts.map((text) => {
          const vector = [0, 0, 0];
          for (const word of text.toLowerCase().match(/[a-z]+/g) ?? [])
            if (concepts[word] !== undefined) vector[concepts[word]]! += 1;
          return vector;
        }),
      );
    },
  };
}

const documents = [
  { id: 'garage', content: 'Our mechanic can fix any automobile.', metadata: { type: 'service' } },
  { id: 'bakery', content: 'We bake bread with stone-ground flour.', metadata: { type: 'food' } },
  { id: 'cars', content: 'Car repair prices and opening hours.', metadata: { type: 'service' } },
];

describe('hybrid search over SQLite FTS5 + vectors, embeddings cached in the same file', () => {
  it('finds a paraphrase keyword search misses, ranks agreement first, and embeds each text once', async () => {
    const database = new Database(join(directory, 'app.db'));
    const model = conceptModel();
    const embeddings = new CachedEmbeddingModel({ model, cache: new SqliteEmbeddingCache({ database }) });
    const keyword = new SqliteSearchAdapter({ name: 'kw', database });
    const hybrid = new HybridSearchAdapter({
      name: 'docs',
      keyword,
      vector: new VectorSearchAdapter({ name: 'vec', embeddingModel: embeddings }),
    });
    await hybrid.index(documents, { chunking: false });

    // "vehicle" appears in no document: keyword search finds nothing, the vectors find both car documents.
    expect(await keyword.search('vehicle')).toEqual([]);
    const paraphrase = await hybrid.search('vehicle', { k: 3 });
    expect(paraphrase.map((result) => result.id).sort()).toEqual(['cars#0', 'garage#0']);
    expect(paraphrase.every((result) => result.score > 0 && result.score <= 0.5)).toBe(true);
    // "car repair" matches keywords in cars and concepts in both: agreement ranks cars first with score 1.
    const [top] = await hybrid.search('car repair', { k: 3 });
    expect(top).toMatchObject({ id: 'cars#0', score: 1 });

    // Through runRagSearches with a threshold, as a prompt's RAG config would.
    const { runs } = await runRagSearches({
      requests: [
        {
          config: {
            adapter_name: 'docs',
            query: '{{topic}}',
            k: 2,
            score_threshold: 0.6,
            filters: { type: 'service' },
          },
        },
      ],
      adapters: new Map([['docs', hybrid]]),
      params: { topic: 'car repair' },
    });
    expect(runs[0]!.results.map((result) => result.id)).toEqual(['cars#0']);

    // A second vector index over the same file's cache embeds no document again.
    const before = model.embedded;
    const again = new VectorSearchAdapter({
      name: 'vec2',
      embeddingModel: new CachedEmbeddingModel({ model, cache: new SqliteEmbeddingCache({ database }) }),
    });
    await again.index(documents, { chunking: false });
    expect(model.embedded).toBe(before);
    await keyword.close();
    database.close();
  });
});
