export { KyselyConversationStore } from './kysely-conversation-store.js';
export type { KyselyConversationStoreOptions, MigrationResult } from './kysely-conversation-store.js';
export type {
  KyselyStoreDialect,
  StoreDatabase,
  StoreExecutor,
  StoreMigration,
  StoreTable,
} from './kysely-store-dialect.js';
export { nodeKey } from './node-key.js';
export { StoreSettingsError } from './store-settings-error.js';
export { scoreCandidates } from './search-scoring.js';
export type { ScoredCandidate, ScoringCandidate, ScoringInput } from './search-scoring.js';
export { pickResults } from './search-results.js';
export type { StoredChunkRow } from './search-results.js';
