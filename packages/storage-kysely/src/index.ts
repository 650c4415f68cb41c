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
