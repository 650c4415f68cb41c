export {};
export { runConversationStoreConformance } from './store-conformance.js';
export type { ConversationStoreConformanceOptions } from './store-conformance.js';
export { checkTree } from './store-tree-check.js';
