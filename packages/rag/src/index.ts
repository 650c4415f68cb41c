export { normalizeRagConfig, defaultItemTemplate, defaultRagPlaceholder, defaultRagSeparator } from './rag-config.js';
export type { NormalizedRagConfig, RagConfig } from './rag-config.js';
export { RagConfigError } from './rag-config-error.js';
export type { RagConfigErrorOptions } from './rag-config-error.js';
export { formatRagContent } from './format-rag-content.js';
export type { FormatRagContentOptions } from './format-rag-content.js';
export { InMemorySearchAdapter } from './in-memory-search-adapter.js';
export type { InMemoryDocument, InMemorySearchAdapterSettings } from './in-memory-search-adapter.js';
export { makeVariablesOptional } from './make-variables-optional.js';
export { matchesFilters } from './matches-filters.js';
export { runRagSearches } from './run-rag-searches.js';
export type {
  CitedSearchResult,
  RagFailurePolicy,
  RagOutcome,
  RagRun,
  RagSearchRequest,
  RunRagSearchesOptions,
} from './run-rag-searches.js';
export { tokenize, defaultStopWords } from './tokenize.js';
export { validateSearchOptions, defaultSearchK } from './validate-search-options.js';
export type { ValidatedSearchOptions } from './validate-search-options.js';
export { chunkText, defaultChunkMaxChars, defaultChunkOverlapChars, resolveChunkingOptions } from './chunk-text.js';
export type { ResolvedChunkingOptions } from './chunk-text.js';
export { chunkDocuments, chunkId, indexInBatches } from './chunk-documents.js';
export type { ChunkedDocument, DocumentChunk } from './chunk-documents.js';
export { CachedEmbeddingModel, MemoryEmbeddingCache, hashEmbeddingText } from './embedding-cache.js';
export type { CachedEmbeddingModelSettings, MemoryEmbeddingCacheSettings } from './embedding-cache.js';
export { VectorSearchAdapter } from './vector-search-adapter.js';
export type { VectorAddOptions, VectorDocument, VectorSearchAdapterSettings } from './vector-search-adapter.js';
export { HybridSearchAdapter } from './hybrid-search-adapter.js';
export type { HybridSearchAdapterSettings } from './hybrid-search-adapter.js';
export { MemoryRagResultCache, ragQueryHash } from './rag-cache.js';
export type { MemoryRagResultCacheSettings, RagQueryKey, RagResultCache } from './rag-cache.js';
export { KeyValueRagResultCache } from './key-value-rag-result-cache.js';
export type { KeyValueRagResultCacheSettings } from './key-value-rag-result-cache.js';
export { checkTokenBudget, cutToBudget, estimateRagTokens } from './rag-budget.js';
export type { RagBudgetItem, RagDroppedResult, RagPromptBudget, RagTokenCounter } from './rag-budget.js';
