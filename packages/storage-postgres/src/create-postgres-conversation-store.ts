import { PostgresConversationStore } from './postgres-conversation-store.js';
import type { PostgresConversationStoreSettings } from './postgres-conversation-store.js';

/**
 * Creates a {@link PostgresConversationStore} from `{ connectionString }` (the store owns
 * its pool) or `{ pool }` (a `pg.Pool` you own), optionally in its own `schema`.
 */
export function createPostgresConversationStore(
  settings: PostgresConversationStoreSettings,
): PostgresConversationStore {
  return new PostgresConversationStore(settings);
}
