import { StoreSettingsError } from '@dk/storage-kysely';
import Database from 'better-sqlite3';

/** Where a SQLite-backed component keeps its data: a file it opens, or a database it is given. */
export interface SqliteConnectionSettings {
  /** A database file to open (WAL mode); closed by the owner's `close()`. */
  readonly path?: string | undefined;
  /** An open better-sqlite3 database; never closed by the owner. */
  readonly database?: Database.Database | undefined;
  /** How long a write waits for another connection's lock, in milliseconds (default 5000). */
  readonly busyTimeoutMs?: number | undefined;
}

/**
 * Validates connection settings and returns the database with whether the caller owns it.
 * An opened file gets WAL mode; every database gets the busy timeout.
 * @throws {StoreSettingsError} naming `provider` and the bad setting.
 */
export function openSqliteDatabase(
  settings: SqliteConnectionSettings,
  provider: string,
): { readonly database: Database.Database; readonly owned: boolean } {
  const settingsError = (setting: string, reason: string) => new StoreSettingsError({ provider, setting, reason });
  const busyTimeoutMs = settings.busyTimeoutMs ?? 5000;
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw settingsError('busyTimeoutMs', 'must be a non-negative integer of milliseconds.');
  }
  const { path, database } = settings;
  if ((path === undefined) === (database === undefined)) {
    throw settingsError(
      'path',
      'give exactly one of `path` (a database file) or `database` (a better-sqlite3 Database).',
    );
  }
  let opened: Database.Database;
  if (database !== undefined) {
    opened = database;
  } else {
    if (typeof path !== 'string' || path.length === 0) throw settingsError('path', 'must be a non-empty file path.');
    opened = new Database(path);
    opened.pragma('journal_mode = WAL');
  }
  opened.pragma(`busy_timeout = ${busyTimeoutMs}`);
  return { database: opened, owned: database === undefined };
}
