import { RagSearchError } from '@dk/spec';
import type { EmbeddingCache } from '@dk/spec';
import { StoreSettingsError } from '@dk/storage-kysely';
import type Database from 'better-sqlite3';
import { openSqliteDatabase } from './open-sqlite-database.js';

/** Settings of {@link SqliteEmbeddingCache}: give exactly one of `path` or `database`. */
export interface SqliteEmbeddingCacheSettings {
  /** A database file the cache opens (WAL mode) and closes on `close()`. */
  readonly path?: string;
  /** A better-sqlite3 `Database` you own (e.g. your conversation store's); never closed by the cache. */
  readonly database?: Database.Database;
  /** Table name. Default `dk_embedding_cache`. Letters, digits and `_`. */
  readonly table?: string;
  /** Milliseconds to wait for another writer's lock. Default 5000. */
  readonly busyTimeoutMs?: number;
}

interface Statements {
  readonly get: Database.Statement<[string, string], { vector: Buffer }>;
  readonly set: Database.Statement<[string, string, number, Buffer, number]>;
  readonly deleteModel: Database.Statement<[string]>;
  readonly count: Database.Statement<[], { count: number }>;
}

const tablePattern = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

function settingsError(setting: string, reason: string): StoreSettingsError {
  return new StoreSettingsError({ provider: 'sqlite embedding cache', setting, reason });
}

/**
 * An `EmbeddingCache` (`@dk/spec`) in a SQLite table, so vectors survive restarts and are
 * shared by processes using the same file: one row per (model id, SHA-256 of the text),
 * the vector stored as little-endian float64 (exact). Nothing is evicted; use
 * `deleteModel` when a model is retired. Wrap a model with `CachedEmbeddingModel` from
 * `@dk/rag` to use it. SQLite failures reject with `RagSearchError`
 * (`RAG_EMBEDDING_CACHE_FAILED`) whose `cause` is the SQLite error.
 */
export class SqliteEmbeddingCache implements EmbeddingCache {
  readonly #database: Database.Database;
  readonly #owned: boolean;
  readonly #table: string;
  #statements: Statements | undefined;
  #closed = false;

  constructor(settings: SqliteEmbeddingCacheSettings) {
    const table = settings.table ?? 'dk_embedding_cache';
    if (typeof table !== 'string' || !tablePattern.test(table))
      throw settingsError('table', 'must be a SQL identifier: letters, digits and _, not starting with a digit.');
    const { database, owned } = openSqliteDatabase(settings, 'sqlite embedding cache');
    this.#database = database;
    this.#owned = owned;
    this.#table = table;
  }

  /** See `EmbeddingCache.getMany`. */
  async getMany(modelId: string, textHashes: readonly string[]): Promise<(readonly number[] | undefined)[]> {
    const statements = this.#open();
    return this.#guard('read vectors', () =>
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
    const statements = this.#open();
    const now = Date.now();
    const write = this.#database.transaction(() => {
      for (const { textHash, vector } of entries) {
        const bytes = Buffer.from(Float64Array.from(vector).buffer);
        statements.set.run(modelId, textHash, vector.length, bytes, now);
      }
    });
    this.#guard('write vectors', () => write());
  }

  /** Number of stored vectors (all models). */
  async size(): Promise<number> {
    const statements = this.#open();
    return this.#guard('count vectors', () => statements.count.get()?.count ?? 0);
  }

  /** Deletes every vector of `modelId`; returns how many there were. */
  async deleteModel(modelId: string): Promise<number> {
    const statements = this.#open();
    return this.#guard('delete vectors', () => statements.deleteModel.run(modelId).changes);
  }

  /** Closes the database when the cache opened it. Idempotent; later calls fail. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#statements = undefined;
    if (this.#owned) this.#database.close();
  }

  #open(): Statements {
    if (this.#closed) {
      throw new RagSearchError({
        message: 'The SQLite embedding cache is closed. Create a new SqliteEmbeddingCache.',
        adapterName: 'sqlite-embedding-cache',
        code: 'RAG_ADAPTER_CLOSED',
      });
    }
    if (this.#statements !== undefined) return this.#statements;
    const table = `"${this.#table}"`;
    this.#guard('create its table', () =>
      this.#database.exec(
        `CREATE TABLE IF NOT EXISTS ${table} (model_id TEXT NOT NULL, text_hash TEXT NOT NULL, dimensions INTEGER NOT NULL, vector BLOB NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (model_id, text_hash)) WITHOUT ROWID`,
      ),
    );
    this.#statements = this.#guard('prepare its statements', () => ({
      get: this.#database.prepare(`SELECT vector FROM ${table} WHERE model_id = ? AND text_hash = ?`),
      set: this.#database.prepare(
        `INSERT OR REPLACE INTO ${table} (model_id, text_hash, dimensions, vector, created_at) VALUES (?, ?, ?, ?, ?)`,
      ),
      deleteModel: this.#database.prepare(`DELETE FROM ${table} WHERE model_id = ?`),
      count: this.#database.prepare(`SELECT count(*) AS count FROM ${table}`),
    }));
    return this.#statements;
  }

  #guard<T>(action: string, body: () => T): T {
    try {
      return body();
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
