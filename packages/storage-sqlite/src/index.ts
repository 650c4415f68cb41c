export { SqliteConversationStore } from './sqlite-conversation-store.js';
export type { SqliteConversationStoreSettings } from './sqlite-conversation-store.js';
export { createSqliteConversationStore } from './create-sqlite-conversation-store.js';
export { StoreSettingsError } from '@dk/storage-kysely';
export type { MigrationResult } from '@dk/storage-kysely';
export { importChatGptConversation, importDataknobsConversation } from '@dk/storage-memory/import';
export type { ImportConversationOptions, ImportConversationResult } from '@dk/storage-memory/import';
