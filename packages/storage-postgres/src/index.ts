export { PostgresConversationStore } from './postgres-conversation-store.js';
export type { PostgresConversationStoreSettings } from './postgres-conversation-store.js';
export { createPostgresConversationStore } from './create-postgres-conversation-store.js';
export type { PostgresConnectionSettings } from './open-postgres-connection.js';
export { StoreSettingsError } from '@dk/storage-utils';
export type { MigrationResult } from '@dk/storage-kysely';
export { PostgresSearchAdapter } from './postgres-search-adapter.js';
export type { PostgresSearchAdapterSettings } from './postgres-search-adapter.js';
export { createPostgresSearchAdapter } from './create-postgres-search-adapter.js';
