import { SqliteConversationStore } from './sqlite-conversation-store.js';
import type { SqliteConversationStoreSettings } from './sqlite-conversation-store.js';

/**
 * Creates a {@link SqliteConversationStore} from `{ path }` (a file the store opens in WAL
 * mode) or `{ database }` (a better-sqlite3 `Database` you own).
 */
export function createSqliteConversationStore(settings: SqliteConversationStoreSettings): SqliteConversationStore {
  return new SqliteConversationStore(settings);
}
