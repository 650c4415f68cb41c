export { compareText } from './compare-text.js';
export { childNodeId, isNodeId, nodePosition, parentNodeId } from './node-id.js';
export { checkConversationId, maxConversationIdLength, normalizeCreateOptions } from './normalize-create-options.js';
export type { NormalizedCreateOptions } from './normalize-create-options.js';
export {
  defaultPageSize,
  maxPageSize,
  metadataKeyPattern,
  normalizeFilter,
  normalizeListOptions,
} from './normalize-filter.js';
export type { NormalizedFilter, NormalizedListOptions } from './normalize-filter.js';
export { normalizeNewNode, serializeMetadata } from './normalize-new-node.js';
export type { NormalizedNode } from './normalize-new-node.js';
export { decodePageCursor, encodePageCursor } from './page-cursor.js';
export type { PageCursor } from './page-cursor.js';
export { searchTokens } from './search-tokens.js';
export { materializeNode, materializeRecord } from './stored-node.js';
export type { StoredNode, StoredRecord } from './stored-node.js';
