import { RagSearchError } from '@dk/spec';
import type { EmbeddingCache } from '@dk/spec';
import type { MigrationResult } from '@dk/storage-kysely';
import { checkSettings, throwIfAdapterClosed } from '@dk/storage-utils';
import type Database from 'better-sqlite3';
import { openSqliteConnection, sqliteConnectionSettingNames } from './open-sqlite-connection.js';
import type { SqliteConnection, SqliteConnectionSettings } from './open-sqlite-connection.js';

/**
 * Settings of {@link SqliteEmbeddingCache}: give exactly one of `path` (a file the cache opens
 * and closes) or `database` (a better-sqlite3 `Database` you own, e.g. your conversation
 * store's: then both share one connection and one migration history).
 */
export type SqliteEmbeddingCacheSettings = SqliteConnectionSettings;

function prepareStatements(database: Database.Database) {
  const set = database.prepare<[string, string, number, Buffer, number]>(
    'INSERT OR REPLACE INTO dk_embedding_cache (model_id, text_hash, dimensions, vector, created_at) VALUES (?, ?, ?, ?, ?)',
  );
  return {
    get: database.prepare<[string, string], { vector: Buffer }>(
      'SELECT vector FROM dk_embedding_cache WHERE model_id = ? AND text_hash = ?',
    ),
    deleteModel: database.prepare<[string]>('DELETE FROM dk_embedding_cache WHERE model_id = ?'),
    count: database.prepare<[], { count: number }>('SELECT count(*) AS count FROM dk_embedding_cache'),
    /** Writes vectors in one transaction. */
    setMany: database.transaction(
      (modelId: string, entries: readonly { readonly textHash: string; readonly vector: readonly number[] }[]) => {
        const now = Date.now();
        for (const { textHash, vector } of entries) {
          set.run(modelId, textHash, vector.length, Buffer.from(Float64Array.from(vector).buffer), now);
        }
      },
    ),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

/**
 * An `EmbeddingCache` (`@dk/spec`) in the `dk_embedding_cache` table, so vectors survive
 * restarts and are shared by processes using the same file: one row per (model id, SHA-256
 * of the text), the vector stored as little-endian float64 (exact). Nothing is evicted; use
 * `deleteModel` when a model is retired. The table belongs to the backend's one schema
 * (`@dk/storage-sqlite`'s numbered migrations). Wrap a model with `CachedEmbeddingModel`
 * from `@dk/rag` to use it. SQLite failures reject with `RagSearchError`
 * (`RAG_EMBEDDING_CACHE_FAILED`) whose `cause` is the SQLite error.
 */
export class SqliteEmbeddingCache implements EmbeddingCache {
  readonly #sqlite: SqliteConnection;
  #statements: Statements | undefined;
  #closed = false;

  /**
   * @throws {InvalidOptionsError} for an unknown setting (with the name it most likely meant).
   * @throws {StoreSettingsError} for a setting of the wrong type, or a `path` whose directory is missing.
   */
  constructor(settings: SqliteEmbeddingCacheSettings) {
    const check = checkSettings(
      { provider: 'sqlite', component: 'SqliteEmbeddingCache' },
      settings,
      sqliteConnectionSettingNames,
    );
    this.#sqlite = openSqliteConnection(settings ?? {}, check);
  }

  /** Brings the database schema (the cache table included) to the latest version; also done by the first call. */
  async migrate(): Promise<MigrationResult> {
    this.#assertOpen();
    return this.#guard('migrate its table', () => this.#sqlite.connection.migrate());
  }

  /** See `EmbeddingCache.getMany`. */
  async getMany(modelId: string, textHashes: readonly string[]): Promise<(readonly number[] | undefined)[]> {
    return this.#run('read vectors', (statements) =>
      textHashes.map((textHash) => {
        const row = statements.get.get(modelId, textHash);
        if (row === undefined) return undefined;
        const view = new Float64Array(row.vector.buffer, row.vector.byteOffset, row.vector.byteLength / 8);
        return Array.from(view);
      }),
    );
  }

  /** See `EmbeddingCache.setMany`. All entries are written in one transaction. */
  async setMany(
    modelId: string,
    entries: readonly { readonly textHash: string; readonly vector: readonly number[] }[],
  ): Promise<void> {
    for (const { vector } of entries) {
      if (!Array.isArray(vector) || vector.length === 0 || !vector.every((value) => Number.isFinite(value))) {
        throw new RagSearchError({
          message: `Embedding cache: a vector for model "${modelId}" is not a non-empty array of finite numbers.`,
          adapterName: 'sqlite-embedding-cache',
          code: 'RAG_EMBEDDING_INVALID',
        });
      }
    }
    await this.#run('write vectors', (statements) => statements.setMany.immediate(modelId, entries), {
      writes: true,
    });
  }

  /** Number of stored vectors (all models). */
  async size(): Promise<number> {
    return this.#run('count vectors', (statements) => statements.count.get()?.count ?? 0);
  }

  /** Deletes every vector of `modelId`; returns how many there were. */
  async deleteModel(modelId: string): Promise<number> {
    return this.#run('delete vectors', (statements) => statements.deleteModel.run(modelId).changes, {
      writes: true,
    });
  }

  /** Closes the database when the cache opened it (`path`). Idempotent; later calls fail. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#statements = undefined;
    await this.#sqlite.connection.close();
  }

  #assertOpen(): void {
    throwIfAdapterClosed(this.#closed, 'sqlite-embedding-cache', 'SqliteEmbeddingCache');
  }

  /**
   * Migrates once per connection, then runs `work` with the prepared statements, holding the
   * connection; after a write (`writes`), tells the connection's checkpointer.
   */
  async #run<T>(
    action: string,
    work: (statements: Statements) => T,
    { writes = false }: { readonly writes?: boolean } = {},
  ): Promise<T> {
    this.#assertOpen();
    await this.#guard('create its table', () => this.#sqlite.connection.ensureMigrated());
    return this.#guard(action, () =>
      this.#sqlite.withDatabase(
        (database) => {
          this.#assertOpen();
          this.#statements ??= prepareStatements(database);
          return work(this.#statements);
        },
        { writes },
      ),
    );
  }

  async #guard<T>(action: string, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      if (RagSearchError.isInstance(error)) throw error;
      throw new RagSearchError({
        message: `The SQLite embedding cache could not ${action}: ${error instanceof Error ? error.message : String(error)}.`,
        adapterName: 'sqlite-embedding-cache',
        code: 'RAG_EMBEDDING_CACHE_FAILED',
        cause: error,
      });
    }
  }
}
