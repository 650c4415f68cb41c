import { KyselyConversationStore, sqlStoreOptions, sqlStoreSettingNames } from '@dk/storage-kysely';
import type { SqlStoreSettings } from '@dk/storage-kysely';
import { checkSettings } from '@dk/storage-utils';
import { openPostgresConnection, postgresConnectionSettingNames } from './open-postgres-connection.js';
import type { PostgresConnectionSettings } from './open-postgres-connection.js';

/** Settings of {@link PostgresConversationStore}: give exactly one of `connectionString` or `pool`. */
export interface PostgresConversationStoreSettings extends PostgresConnectionSettings, SqlStoreSettings {}

/**
 * `ConversationStore` on PostgreSQL (pg): one row per node, JSONB metadata with a GIN
 * index, full-text search, numbered migrations. Built for several app servers sharing one
 * database: appends lock the conversation row, so node ids stay unique across processes.
 * A dropped connection never crashes the process: the failed operation rejects with a
 * retryable `StoreUnavailableError` and the next one reconnects. A `PostgresSearchAdapter`
 * given the same `pool` and `schema` shares its Kysely instance and its migrations.
 */
export class PostgresConversationStore extends KyselyConversationStore {
  /** The schema holding this store's tables. */
  readonly schema: string;

  /**
   * @throws {InvalidOptionsError} for an unknown setting (with the name it most likely meant).
   * @throws {StoreSettingsError} for a setting of the wrong type.
   */
  constructor(settings: PostgresConversationStoreSettings) {
    const check = checkSettings({ provider: 'postgres', component: 'PostgresConversationStore' }, settings, [
      ...postgresConnectionSettingNames,
      ...sqlStoreSettingNames,
    ]);
    const { connection, schema } = openPostgresConnection(settings ?? {}, check);
    super(sqlStoreOptions(connection, settings, check));
    this.schema = schema;
  }
}
