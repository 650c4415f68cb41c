import { KyselyConversationStore, StoreSettingsError } from '@dk/storage-kysely';
import type { StoreDatabase } from '@dk/storage-kysely';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { withCachedStatements } from './cached-statements.js';
import { sqliteStoreDialect } from './sqlite-store-dialect.js';

/** Settings of {@link SqliteConversationStore}: give exactly one of `path` or `database`. */
export interface SqliteConversationStoreSettings {
  /** Database file to open (created if missing), in WAL mode; the store closes it on `close()`. */
  readonly path?: string;
  /**
   * A ready better-sqlite3 `Database` the application owns (the store never closes it).
   * The store enables `foreign_keys` and sets `busy_timeout` on it; WAL is the caller's choice.
   */
  readonly database?: Database.Database;
  /** How long a writer waits for another process's write lock, in milliseconds. Default 5000. */
  readonly busyTimeoutMs?: number;
  /** Run pending schema migrations before the first operation. Default `true`. */
  readonly autoMigrate?: boolean;
  /** Generator of conversation ids when `create` gets none. Default `crypto.randomUUID`. */
  readonly generateId?: () => string;
}

function configure(database: Database.Database, busyTimeoutMs: number): Database.Database {
  database.pragma(`busy_timeout = ${busyTimeoutMs}`);
  database.pragma('foreign_keys = ON');
  return database;
}

function open(settings: SqliteConversationStoreSettings): {
  readonly db: Kysely<StoreDatabase>;
  readonly owned: boolean;
} {
  const busyTimeoutMs = settings.busyTimeoutMs ?? 5000;
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new StoreSettingsError({
      provider: 'sqlite',
      setting: 'busyTimeoutMs',
      reason: 'must be a non-negative integer of milliseconds.',
    });
  }
  const { path, database } = settings;
  if ((path === undefined) === (database === undefined)) {
    throw new StoreSettingsError({
      provider: 'sqlite',
      setting: 'path',
      reason: 'give exactly one of `path` (a database file) or `database` (a better-sqlite3 Database).',
    });
  }
  if (database !== undefined) {
    const wrapped = withCachedStatements(configure(database, busyTimeoutMs), { closes: false });
    return { db: new Kysely<StoreDatabase>({ dialect: new SqliteDialect({ database: wrapped }) }), owned: false };
  }
  if (typeof path !== 'string' || path.length === 0) {
    throw new StoreSettingsError({ provider: 'sqlite', setting: 'path', reason: 'must be a non-empty file path.' });
  }
  // Opened lazily on first use, so constructing a store touches no file.
  const dialect = new SqliteDialect({
    database: async () => {
      const opened = new Database(path);
      opened.pragma('journal_mode = WAL');
      // NORMAL is durable against process crashes in WAL mode (the OS keeps the log);
      // only an OS crash or power loss can drop the last commits.
      opened.pragma('synchronous = NORMAL');
      return withCachedStatements(configure(opened, busyTimeoutMs), { closes: true });
    },
  });
  return { db: new Kysely<StoreDatabase>({ dialect }), owned: true };
}

/**
 * `ConversationStore` on SQLite (better-sqlite3): one row per node, FTS5 text search,
 * indexed metadata filters, numbered migrations. Several processes may share one file:
 * writers queue on SQLite's write lock (`busy_timeout`) and node ids stay unique.
 */
export class SqliteConversationStore extends KyselyConversationStore {
  constructor(settings: SqliteConversationStoreSettings) {
    const { db, owned } = open(settings);
    super({
      db,
      dialect: sqliteStoreDialect,
      ...(settings.autoMigrate === undefined ? {} : { autoMigrate: settings.autoMigrate }),
      ...(settings.generateId === undefined ? {} : { generateId: settings.generateId }),
      ...(owned ? { release: () => db.destroy() } : {}),
    });
  }
}
