import { KyselyConversationStore, sqlStoreOptions, sqlStoreSettingNames } from '@dk/storage-kysely';
import type { SqlStoreSettings } from '@dk/storage-kysely';
import { checkSettings } from '@dk/storage-utils';
import { openSqliteConnection, sqliteConnectionSettingNames } from './open-sqlite-connection.js';
import type { SqliteConnectionSettings } from './open-sqlite-connection.js';

/** Settings of {@link SqliteConversationStore}: give exactly one of `path` or `database`. */
export interface SqliteConversationStoreSettings extends SqliteConnectionSettings, SqlStoreSettings {}

/**
 * `ConversationStore` on SQLite (better-sqlite3): one row per node, FTS5 text search,
 * indexed metadata filters, numbered migrations. Several processes may share one file:
 * writers queue on SQLite's write lock (`busy_timeout`) and node ids stay unique. A
 * `SqliteSearchAdapter` or `SqliteEmbeddingCache` given the same `database` shares its
 * connection and its migrations.
 */
export class SqliteConversationStore extends KyselyConversationStore {
  /**
   * @throws {InvalidOptionsError} for an unknown setting (with the name it most likely meant).
   * @throws {StoreSettingsError} for a setting of the wrong type, or a `path` whose directory is missing.
   */
  constructor(settings: SqliteConversationStoreSettings) {
    const check = checkSettings({ provider: 'sqlite', component: 'SqliteConversationStore' }, settings, [
      ...sqliteConnectionSettingNames,
      ...sqlStoreSettingNames,
    ]);
    const { connection } = openSqliteConnection(settings ?? {}, check);
    super(sqlStoreOptions(connection, settings, check));
  }
}
