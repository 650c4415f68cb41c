export { PostgresConversationStore } from './postgres-conversation-store.js';
export type { PostgresConversationStoreSettings } from './postgres-conversation-store.js';
export { createPostgresConversationStore } from './create-postgres-conversation-store.js';
export { StoreSettingsError } from '@dk/storage-kysely';
export type { MigrationResult } from '@dk/storage-kysely';
export { importChatGptConversation, importDataknobsConversation } from '@dk/storage-memory/import';
export type { ImportConversationOptions, ImportConversationResult } from '@dk/storage-memory/import';
