import type { EmbeddingModel } from '@dk/spec';
import { tokenize } from '@dk/storage-utils';

/**
 * An exact bag-of-words embedding model for tests of vector and hybrid search: one dimension
 * per distinct word (stop words dropped, as keyword search does), assigned as words are
 * first seen, so two texts have a positive cosine similarity exactly when they share a word.
 * Deterministic for a given order of calls; `dimensions` bounds the vocabulary.
 */
export function createVocabularyEmbeddingModel(dimensions = 4096): EmbeddingModel {
  const vocabulary = new Map<string, number>();
  return {
    specificationVersion: 'v1',
    modelId: `test:vocabulary-${dimensions}`,
    dimensions,
    async embed(texts, options = {}) {
      options.signal?.throwIfAborted();
      return texts.map((text) => {
        const vector = new Array<number>(dimensions).fill(0);
        for (const word of tokenize(text)) {
          let index = vocabulary.get(word);
          if (index === undefined) {
            index = vocabulary.size;
            if (index >= dimensions) throw new Error(`vocabulary embedding: more than ${dimensions} words`);
            vocabulary.set(word, index);
          }
          vector[index]! += 1;
        }
        return vector;
      });
    },
  };
}
