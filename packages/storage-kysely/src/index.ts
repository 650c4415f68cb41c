export { KyselyConversationStore, sqlStoreOptions, sqlStoreSettingNames } from './kysely-conversation-store.js';
export type { KyselyConversationStoreOptions, SqlStoreSettings } from './kysely-conversation-store.js';
export { SqlConnection } from './sql-connection.js';
export type { SqlConnectionOptions } from './sql-connection.js';
export { migrateSchema } from './migrate-schema.js';
export type { MigrationResult } from './migrate-schema.js';
export type {
  KyselyStoreDialect,
  StoreDatabase,
  StoreExecutor,
  StoreMigration,
  StoreTable,
} from './kysely-store-dialect.js';
export { nodeKey } from './node-key.js';
export { encodeStoredCursors } from './encode-stored-cursors.js';
export { keyedChild, keyedNode, LastAppendedNodes } from './keyed-node.js';
export type { AppendedNode, KeyedNode } from './keyed-node.js';
export { nodeColumnValues } from './append-node-write.js';
export type { AppendedConversation, AppendNodeOutcome, AppendNodeWrite } from './append-node-write.js';
export type { ConversationRow } from './store-rows.js';
export { StoreSettingsError } from '@dk/storage-utils';
