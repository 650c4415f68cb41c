// Conversation store implementations: input checks, node ids, records, pages, lifecycle.
export { checkConversationId, maxConversationIdLength, normalizeCreateOptions } from './normalize-create-options.js';
export type { NormalizedCreateOptions } from './normalize-create-options.js';
export { normalizeNewNode, serializeMetadata } from './normalize-new-node.js';
export type { NormalizedNode } from './normalize-new-node.js';
export {
  defaultPageSize,
  maxPageSize,
  metadataKeyPattern,
  normalizeFilter,
  normalizeListOptions,
} from './normalize-filter.js';
export type { NormalizedFilter, NormalizedListOptions } from './normalize-filter.js';
export { decodePageCursor, encodePageCursor } from './page-cursor.js';
export type { PageCursor } from './page-cursor.js';
export { childNodeId, isNodeId, nodePosition, parentNodeId } from './node-id.js';
export { decodeStoredNodeId, encodeStoredNodeId, storedChildNodeId } from './stored-node-id.js';
export { compareText } from './compare-text.js';
export { materializeNode, materializeRecord } from './materialize-node.js';
export type { StoredNode, StoredRecord } from './materialize-node.js';
export { defaultDrainTimeoutMs, OperationGate } from './operation-gate.js';
export type { OperationGateOptions } from './operation-gate.js';

// Search adapter implementations: tokens, BM25, options, filters, chunking and ingestion.
export { defaultStopWords, searchTokens, tokenize } from './tokenize.js';
export {
  Bm25Scorer,
  compareScoredCandidates,
  compareScores,
  defaultBm25B,
  defaultBm25K1,
  scoreCandidates,
} from './bm25.js';
export type { Bm25QueryInput, ScoredCandidate, ScoringCandidate, ScoringInput } from './bm25.js';
export { planKeywordPruning } from './plan-keyword-pruning.js';
export type { KeywordPruning, PruningSyntax, PruningTerm } from './plan-keyword-pruning.js';
export { calibrateScore, defaultKeywordFalloff, defaultKeywordFullMatch } from './calibrate-score.js';
export { pickResults } from './pick-results.js';
export { throwIfAdapterClosed } from './throw-if-adapter-closed.js';
export type { StoredChunkRow } from './pick-results.js';
export { matchesFilters } from './matches-filters.js';
export { defaultSearchK, validateSearchOptions } from './validate-search-options.js';
export type { ValidatedSearchOptions } from './validate-search-options.js';
export { chunkText, defaultChunkMaxChars, defaultChunkOverlapChars, resolveChunkingOptions } from './chunk-text.js';
export type { ResolvedChunkingOptions } from './chunk-text.js';
export { chunkDocuments, chunkId, indexInBatches } from './chunk-documents.js';
export type { ChunkedDocument, DocumentChunk } from './chunk-documents.js';

// Settings of any of them.
export { checkSettings } from './check-settings.js';
export type { SettingsChecker } from './check-settings.js';
export { StoreSettingsError } from './store-settings-error.js';
