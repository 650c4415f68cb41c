import { InvalidOptionsError } from '@dk/spec';
import type { EmbeddingModel, SearchAdapter } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { CachedEmbeddingModel, MemoryEmbeddingCache } from './embedding-cache.js';
import { HybridSearchAdapter } from './hybrid-search-adapter.js';
import { InMemorySearchAdapter } from './in-memory-search-adapter.js';
import { RagConfigError } from './rag-config-error.js';
import { VectorSearchAdapter } from './vector-search-adapter.js';

const model: EmbeddingModel = {
  specificationVersion: 'v1',
  modelId: 'test:one',
  embed: (texts) => Promise.resolve(texts.map(() => [1])),
};

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('search adapter and embedding cache settings', () => {
  it('refuse unknown (snake_case, misspelt) settings with a did-you-mean', () => {
    const keyword = new InMemorySearchAdapter({ name: 'k' });
    const vector = new VectorSearchAdapter({ name: 'v', embeddingModel: model });
    const cases: [() => unknown, string, string][] = [
      [() => new InMemorySearchAdapter({ name: 'a', stop_words: new Set() } as never), 'stop_words', 'stopWords'],
      [
        () => new VectorSearchAdapter({ name: 'a', embedding_model: model } as never),
        'embedding_model',
        'embeddingModel',
      ],
      [() => new HybridSearchAdapter({ name: 'a', keyword, vector, rrf_k: 10 } as never), 'rrf_k', 'rrfK'],
      [() => new MemoryEmbeddingCache({ max_entries: 5 } as never), 'max_entries', 'maxEntries'],
      [
        () => new CachedEmbeddingModel({ model, cache: new MemoryEmbeddingCache(), caches: [] } as never),
        'caches',
        'cache',
      ],
    ];
    for (const [create, unknown, suggestion] of cases) {
      const error = thrown(create);
      expect(InvalidOptionsError.isInstance(error), unknown).toBe(true);
      expect((error as InvalidOptionsError).suggestions).toEqual({ [unknown]: suggestion });
    }
  });

  it('refuse settings of the wrong type with RagConfigError naming the field', () => {
    const keyword: SearchAdapter = new InMemorySearchAdapter({ name: 'k' });
    const cases: [() => unknown, string][] = [
      [() => new InMemorySearchAdapter({ name: 'a', k1: '1.2' as never }), 'k1'],
      [() => new InMemorySearchAdapter({ name: 'a', stopWords: ['the'] as never }), 'stopWords'],
      [() => new InMemorySearchAdapter({ name: 'a', documents: 'text' as never }), 'documents'],
      [() => new HybridSearchAdapter({ name: 'a', keyword, vector: keyword, batchSize: 0 }), 'batchSize'],
      [() => new VectorSearchAdapter({ name: 'a', embeddingModel: model, batchSize: 2.5 }), 'batchSize'],
    ];
    for (const [create, field] of cases) {
      const error = thrown(create);
      expect(RagConfigError.isInstance(error), field).toBe(true);
      expect((error as RagConfigError).field).toBe(field);
    }
  });
});
