import { HybridSearchAdapter, InMemorySearchAdapter, VectorSearchAdapter } from '@dk/rag';
import type { SearchAdapter } from '@dk/spec';
import { runSearchAdapterConformance } from './search-conformance.js';
import { runGuideRagExamples } from './search-guide-examples.js';
import { createVocabularyEmbeddingModel } from './vocabulary-embedding-model.js';

// The search adapters of @dk/rag. Vector search runs on an exact bag-of-words embedding, so
// its relevance is keyword-like and the ranking assertions hold; its scores are calibrated
// cosines, not BM25 coverage, hence `bm25Scores: false` (and likewise for the score fusion of
// hybrid search). Every adapter runs the score-scale assertions.

runSearchAdapterConformance('in-memory', {
  batchSize: 100,
  createAdapter: (name) => new InMemorySearchAdapter({ name }),
});

runSearchAdapterConformance('vector', {
  batchSize: 16,
  capabilities: { bm25Scores: false },
  createAdapter: (name) => new VectorSearchAdapter({ name, embeddingModel: createVocabularyEmbeddingModel() }),
});

runSearchAdapterConformance('hybrid', {
  batchSize: 7,
  capabilities: { bm25Scores: false },
  createAdapter: (name) =>
    new HybridSearchAdapter({
      name,
      batchSize: 7,
      keyword: new InMemorySearchAdapter({ name: `${name}_keyword` }),
      vector: new VectorSearchAdapter({ name: `${name}_vector`, embeddingModel: createVocabularyEmbeddingModel() }),
    }),
});

runGuideRagExamples('in-memory', {
  createAdapter: (name) => new InMemorySearchAdapter({ name }),
  createBrokenAdapter: async (name): Promise<SearchAdapter> => {
    const adapter = new InMemorySearchAdapter({ name });
    await adapter.close();
    return adapter;
  },
});
