import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SqlConnection } from '@dk/storage-kysely';
import type { StoreDatabase } from '@dk/storage-kysely';
import type { SettingsChecker } from '@dk/storage-utils';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { withCachedStatements } from './cached-statements.js';
import { SqliteBackgroundWork } from './sqlite-background-work.js';
import { walSizeLimit } from './sqlite-checkpointer.js';
import { createSqliteStoreDialect } from './sqlite-store-dialect.js';
import type { WithDatabase } from './sqlite-store-dialect.js';

/** Where a SQLite-backed component keeps its data: give exactly one of `path` or `database`. */
export interface SqliteConnectionSettings {
  /** A database file to open (created if missing, WAL mode); closed by the component's `close()`. */
  readonly path?: string;
  /**
   * An open better-sqlite3 `Database` the application owns; never closed by the component.
   * Components given the same `Database` share one connection and one migration history.
   */
  readonly database?: Database.Database;
  /** How long a write waits for another connection's lock, in milliseconds. Default 5000. */
  readonly busyTimeoutMs?: number;
}

/** The setting names of {@link SqliteConnectionSettings}. */
export const sqliteConnectionSettingNames = ['path', 'database', 'busyTimeoutMs'] as const;

/** A SQLite database as the store, search adapters and embedding cache share it. */
export interface SqliteConnection {
  /** The Kysely instance and migration runner. */
  readonly connection: SqlConnection;
  /**
   * Runs `work` with the better-sqlite3 `Database` while holding the connection, so no other
   * statement of a component sharing it interleaves: the fast path for prepared statements.
   * With `writes`, `work` commits a write through the `Database` (outside a transaction): once
   * it returns, the write is counted for the file's checkpointer and this connection does its
   * part of a WAL restart when one is due. (Writes through `connection` are noted by themselves.)
   */
  withDatabase<T>(
    work: (database: Database.Database) => T | Promise<T>,
    options?: { readonly writes?: boolean },
  ): Promise<T>;
}

/** `withDatabase` of a {@link SqliteConnection}: `lend`, then `noteWrite` after a write. */
function withWrites(lend: WithDatabase, noteWrite: () => void): SqliteConnection['withDatabase'] {
  return (work, { writes = false } = {}) =>
    lend(async (database) => {
      const result = await work(database);
      if (writes) noteWrite();
      return result;
    });
}

/** Connections of injected databases, so every component given one `Database` shares one. */
const shared = new WeakMap<Database.Database, SqliteConnection>();

function configure(database: Database.Database, busyTimeoutMs: number): Database.Database {
  database.pragma(`busy_timeout = ${busyTimeoutMs}`);
  database.pragma('foreign_keys = ON');
  return database;
}

function checkDirectory(path: string, check: SettingsChecker): void {
  if (path === ':memory:' || path.startsWith('file:')) return;
  const directory = dirname(resolve(path));
  if (!existsSync(directory)) {
    throw check.fail(
      'path',
      `is in the directory ${directory}, which does not exist. Create it first (e.g. \`mkdirSync(dir, { recursive: true })\`) or point \`path\` at an existing directory.`,
    );
  }
}

/**
 * Validates the connection settings and returns the connection: a new one that opens `path`
 * lazily on first use (WAL, `synchronous = NORMAL`, checkpoints by the file's one checkpointer
 * thread in this process rather than in committing calls, `journal_size_limit`), or the shared
 * one of an injected `database`. Every database gets `busy_timeout` and `foreign_keys = ON`.
 * @throws {StoreSettingsError} naming the bad setting (also when `path`'s directory is missing).
 */
export function openSqliteConnection(settings: SqliteConnectionSettings, check: SettingsChecker): SqliteConnection {
  const busyTimeoutMs = check.integer('busyTimeoutMs', settings.busyTimeoutMs, { min: 0, fallback: 5000 });
  const { path, database } = settings;
  if ((path === undefined) === (database === undefined)) {
    throw check.fail('path', 'give exactly one of `path` (a database file) or `database` (a better-sqlite3 Database).');
  }
  if (database !== undefined) {
    if (typeof database?.prepare !== 'function' || typeof database.pragma !== 'function') {
      throw check.fail('database', 'must be an open better-sqlite3 `Database`.');
    }
    configure(database, busyTimeoutMs);
    let opened = shared.get(database);
    if (opened === undefined) {
      const wrapped = withCachedStatements(database, { closes: false });
      const db = new Kysely<StoreDatabase>({ dialect: new SqliteDialect({ database: wrapped }) });
      const withDatabase: WithDatabase = (work) => db.connection().execute(async () => work(database));
      // Text indexing only: checkpoints of a database the application owns stay its own business.
      const background = new SqliteBackgroundWork(withDatabase);
      const dialect = createSqliteStoreDialect(withDatabase, () => background.noteAppend());
      opened = {
        connection: new SqlConnection({ db, dialect }),
        withDatabase: withWrites(withDatabase, () => undefined),
      };
      shared.set(database, opened);
    }
    return opened;
  }
  const file = check.string('path', path, { reason: 'must be a non-empty file path.' });
  checkDirectory(file, check);
  let raw: Database.Database | undefined;
  const withDatabase: WithDatabase = (work) => db.connection().execute(async () => work(raw!));
  const background = new SqliteBackgroundWork(withDatabase);
  // Opened lazily on first use, so constructing a component touches no file.
  const dialect = new SqliteDialect({
    database: async () => {
      checkDirectory(file, check);
      raw = new Database(file);
      raw.pragma('journal_mode = WAL');
      // NORMAL is durable against process crashes in WAL mode (the OS keeps the log);
      // only an OS crash or power loss can drop the last commits.
      raw.pragma('synchronous = NORMAL');
      // A WAL that starts over is overwritten in place: this bound lets the file shrink back
      // after a burst (see walSizeLimit).
      raw.pragma(`journal_size_limit = ${walSizeLimit(raw.pragma('page_size', { simple: true }) as number)}`);
      background.startCheckpointer(raw);
      return withCachedStatements(configure(raw, busyTimeoutMs), {
        closes: true,
        afterWrite: () => background.noteWrite(),
      });
    },
  });
  const db = new Kysely<StoreDatabase>({ dialect });
  const destroy = async () => {
    // The checkpointer first (stopped when this is the file's last connection in the
    // process), so that the last connection's close checkpoints and removes the WAL.
    await background.close();
    await db.destroy();
  };
  return {
    connection: new SqlConnection({
      db,
      dialect: createSqliteStoreDialect(withDatabase, () => background.noteAppend()),
      destroy,
    }),
    withDatabase: withWrites(withDatabase, () => background.noteWrite()),
  };
}
