import { RagSearchError } from '@dk/spec';
import type {
  IndexableSearchAdapter,
  IndexOptions,
  IndexResult,
  SearchDocument,
  SearchOptions,
  SearchResult,
} from '@dk/spec';
import type { MigrationResult } from '@dk/storage-kysely';
import {
  checkSettings,
  chunkDocuments,
  indexInBatches,
  throwIfAdapterClosed,
  tokenize,
  validateSearchOptions,
} from '@dk/storage-utils';
import type { ChunkedDocument } from '@dk/storage-utils';
import type Database from 'better-sqlite3';
import { rankSqliteChunks } from './rank-sqlite-chunks.js';
import { openSqliteConnection, sqliteConnectionSettingNames } from './open-sqlite-connection.js';
import type { SqliteConnection, SqliteConnectionSettings } from './open-sqlite-connection.js';

/**
 * Settings of {@link SqliteSearchAdapter}: give exactly one of `path` (a file the adapter
 * opens and closes) or `database` (a better-sqlite3 `Database` you own, e.g. the one your
 * conversation store uses: then both share one connection and one migration history).
 */
export interface SqliteSearchAdapterSettings extends SqliteConnectionSettings {
  /** The name RAG configs use (`adapter_name`). */
  readonly name: string;
  /**
   * Which documents this adapter sees: adapters sharing a database keep separate document
   * sets under different collections. Default: `name`.
   */
  readonly collection?: string;
  /** Documents per write transaction (and per progress report) in `index()`. Default 100. */
  readonly batchSize?: number;
}

function prepareStatements(db: Database.Database, collection: string) {
  // Per-term document counts of the FTS index: a TEMP view over it, nothing stored.
  db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.dk_search_vocab_rows USING fts5vocab(main, 'dk_search_fts', 'row')");
  const statements = {
    insertChunk: db.prepare(
      'INSERT INTO dk_search_chunks (collection, chunk_id, document_id, chunk_index, content, metadata, token_count) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    insertFts: db.prepare('INSERT INTO dk_search_fts (rowid, content) VALUES (?, ?)'),
    documentChunks: db.prepare(
      'SELECT rowid, content, token_count FROM dk_search_chunks WHERE collection = ? AND document_id = ?',
    ),
    deleteFts: db.prepare("INSERT INTO dk_search_fts (dk_search_fts, rowid, content) VALUES ('delete', ?, ?)"),
    deleteDocument: db.prepare('DELETE FROM dk_search_chunks WHERE collection = ? AND document_id = ?'),
    stats: db.prepare(
      'SELECT chunk_count AS count, CAST(token_total AS REAL) / max(chunk_count, 1) AS average, ' +
        '(SELECT count(*) FROM dk_search_stats WHERE chunk_count > 0 AND collection <> ?) AS others, ' +
        // Any write to the database since the last search: by this connection or another.
        "total_changes() || ':' || (SELECT data_version FROM pragma_data_version) AS generation " +
        'FROM dk_search_stats WHERE collection = ?',
    ),
    updateStats: db.prepare(
      'INSERT INTO dk_search_stats (collection, chunk_count, token_total) VALUES (?, ?, ?) ON CONFLICT (collection) ' +
        'DO UPDATE SET chunk_count = chunk_count + excluded.chunk_count, token_total = token_total + excluded.token_total',
    ),
    /** Document frequency of a term in the whole FTS index (one collection: its own). */
    indexFrequency: db.prepare('SELECT doc FROM temp.dk_search_vocab_rows WHERE term = ?'),
    /** Document frequency of a term within one collection (several collections share the index). */
    collectionFrequency: db.prepare(
      'SELECT count(*) AS doc FROM dk_search_chunks WHERE collection = ? AND rowid IN (SELECT doc FROM dk_search_vocab WHERE term = ?)',
    ),
    /** How many chunks (of every collection) match a query, counting up to a limit. */
    reachingCount: db.prepare(
      'SELECT count(*) AS count FROM (SELECT rowid FROM dk_search_fts WHERE dk_search_fts MATCH ? LIMIT ?)',
    ),
    /**
     * Up to `limit` chunks of the collection matching a query, unranked (rowid order), as
     * `[rowid, content, length]` arrays: what scoring reads (see `chunkIdentity` for the rest).
     */
    matching: db
      .prepare(
        'SELECT c.rowid, c.content, c.token_count FROM dk_search_fts AS f ' +
          'JOIN dk_search_chunks AS c ON c.rowid = f.rowid WHERE f.dk_search_fts MATCH ? AND c.collection = ? LIMIT ?',
      )
      .raw(),
    /** The id and metadata of a chunk read by `matching`. */
    chunkIdentity: db.prepare(
      'SELECT chunk_id, metadata FROM dk_search_chunks WHERE rowid = ? AND collection = ? AND content = ?',
    ),
    /** The engine's best chunks of the collection for a query (FTS5 bm25 order), a page at a time. */
    top: db.prepare(
      'SELECT c.rowid, c.chunk_id, c.content, c.metadata, c.token_count AS length FROM dk_search_fts AS f ' +
        'JOIN dk_search_chunks AS c ON c.rowid = f.rowid WHERE f.dk_search_fts MATCH ? AND c.collection = ? ' +
        'ORDER BY f.rank LIMIT ? OFFSET ?',
    ),
  };
  /** Deletes a document's chunks and their FTS entries; returns what they counted for. */
  const deleteDocument = (documentId: string): { chunks: number; tokens: number } => {
    const rows = statements.documentChunks.all(collection, documentId) as {
      rowid: number;
      content: string;
      token_count: number;
    }[];
    let tokens = 0;
    for (const row of rows) {
      statements.deleteFts.run(row.rowid, row.content);
      tokens += row.token_count;
    }
    statements.deleteDocument.run(collection, documentId);
    return { chunks: rows.length, tokens };
  };
  return {
    ...statements,
    /** Document frequencies of terms, valid while `generation` is the database's. */
    frequencies: { generation: '', byTerm: new Map<string, number>() },
    /** Replaces the chunks of each document of the batch, in one transaction. */
    writeBatch: db.transaction((batch: readonly ChunkedDocument[]) => {
      let chunks = 0;
      let tokens = 0;
      for (const document of batch) {
        const removed = deleteDocument(document.documentId);
        chunks -= removed.chunks;
        tokens -= removed.tokens;
        for (const chunk of document.chunks) {
          const length = tokenize(chunk.content).length;
          const { lastInsertRowid } = statements.insertChunk.run(
            collection,
            chunk.id,
            chunk.documentId,
            chunk.chunkIndex,
            chunk.content,
            JSON.stringify(chunk.metadata),
            length,
          );
          statements.insertFts.run(lastInsertRowid, chunk.content);
          chunks += 1;
          tokens += length;
        }
      }
      statements.updateStats.run(collection, chunks, tokens);
    }),
    /** Deletes documents in one transaction; returns how many had chunks. */
    deleteDocuments: db.transaction((ids: readonly string[]) => {
      let documents = 0;
      let chunks = 0;
      let tokens = 0;
      for (const id of ids) {
        const removed = deleteDocument(id);
        if (removed.chunks > 0) documents++;
        chunks -= removed.chunks;
        tokens -= removed.tokens;
      }
      statements.updateStats.run(collection, chunks, tokens);
      return documents;
    }),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

/**
 * Keyword search on SQLite's FTS5, with ingestion: `index()` chunks documents into the
 * `dk_search_chunks` table, and an external-content FTS5 index (`unicode61` tokenizer, no
 * diacritic folding) serves the query terms. The tables belong to the backend's one schema
 * (`@dk/storage-sqlite`'s numbered migrations, shared with the conversation store and the
 * embedding cache); given the store's `database`, the adapter also shares its connection.
 *
 * Ranking happens inside SQLite: FTS5 returns its best chunks of the collection for the OR
 * of the query terms (`ORDER BY rank LIMIT n`, n = max(10·k, 50)), and only those are read
 * and ranked by dk's BM25 coverage, exactly as `InMemorySearchAdapter` scores (each term's
 * BM25 term-frequency factor capped at 1, weighted by idf, divided by the query's total idf;
 * the collection's size, average length and document frequencies), then scored on dk's one
 * scale (`calibrateScore` of `@dk/storage-utils`: relative to the best match, times the best
 * match's confidence). The same corpus and query give the same scores as in memory; the
 * ranking equals the in-memory one whenever dk's top k is among FTS5's top n (measured at
 * 100,000 chunks by `pnpm bench search`). Before that, without filters, the chunks holding
 * enough of the terms together to reach what about 2k chunks are expected to reach (an FTS5
 * boolean query) are tried: read and scored whole when few (exact), and kept when k of them
 * beat the coverage every other chunk stays under; see `rankSqliteChunks`. The query text never reaches FTS5 syntax: it is
 * split into words (letters and digits; quotes, `AND`, `*`, `:` are plain text), stop words
 * are dropped, and each word is quoted.
 *
 * Filters are metadata equality filters (`matchesFilters` semantics), applied to the ranked
 * chunks. Failures reject with `RagSearchError` (`RAG_SEARCH_FAILED`, `RAG_INDEX_FAILED`)
 * whose `cause` is the SQLite error.
 */
export class SqliteSearchAdapter implements IndexableSearchAdapter {
  readonly specificationVersion = 'v1' as const;
  /** The name RAG configs use (`adapter_name`). */
  readonly name: string;
  /** The collection holding this adapter's documents. */
  readonly collection: string;

  readonly #sqlite: SqliteConnection;
  readonly #batchSize: number;
  #closed = false;
  #statements: Statements | undefined;

  /**
   * @throws {InvalidOptionsError} for an unknown setting (with the name it most likely meant).
   * @throws {StoreSettingsError} for a setting of the wrong type, or a `path` whose directory is missing.
   */
  constructor(settings: SqliteSearchAdapterSettings) {
    const check = checkSettings({ provider: 'sqlite', component: 'SqliteSearchAdapter' }, settings, [
      ...sqliteConnectionSettingNames,
      'name',
      'collection',
      'batchSize',
    ]);
    const reason = 'must be a non-empty string (the adapter_name RAG configs use).';
    this.name = check.string('name', settings?.name, { reason });
    this.collection = check.string('collection', settings.collection, {
      fallback: this.name,
      pattern: /./,
      reason: 'must be a non-empty string.',
    });
    this.#batchSize = check.integer('batchSize', settings.batchSize, { min: 1, fallback: 100 });
    this.#sqlite = openSqliteConnection(settings, check);
  }

  /**
   * Brings the database schema (search tables included) to the latest version; also done by
   * the first operation. The migrations are the backend's one list, shared with the store.
   */
  async migrate(): Promise<MigrationResult> {
    this.#assertOpen();
    return this.#guard('RAG_SEARCH_FAILED', 'migrate its tables', () => this.#sqlite.connection.migrate());
  }

  /**
   * Chunks and indexes documents; see `IndexableSearchAdapter`. One `BEGIN IMMEDIATE`
   * transaction per batch, so processes sharing the file queue for the write lock
   * (`busyTimeoutMs`) instead of failing on a lock upgrade.
   */
  async index(documents: readonly SearchDocument[], options: IndexOptions = {}): Promise<IndexResult> {
    options.signal?.throwIfAborted();
    const chunked = chunkDocuments(documents, options, this.name);
    await this.#ready('RAG_INDEX_FAILED');
    return indexInBatches(chunked, options, this.#batchSize, (batch) =>
      this.#withStatements(
        'RAG_INDEX_FAILED',
        'index documents',
        (statements) => statements.writeBatch.immediate(batch),
        { writes: true },
      ),
    );
  }

  /** Removes documents (all their chunks) in one transaction; returns how many were indexed. */
  async deleteDocuments(ids: readonly string[]): Promise<number> {
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) {
      throw new RagSearchError({
        message: 'deleteDocuments() takes an array of document ids (strings).',
        adapterName: this.name,
        code: 'RAG_INDEX_INVALID',
      });
    }
    await this.#ready('RAG_INDEX_FAILED');
    return this.#withStatements(
      'RAG_INDEX_FAILED',
      'delete documents',
      (statements) => statements.deleteDocuments.immediate(ids),
      { writes: true },
    );
  }

  /** Ranks the collection's chunks against `query`; see the class notes for the score. */
  async search(query: string, options: SearchOptions = {}): Promise<SearchResult[]> {
    options.signal?.throwIfAborted();
    if (typeof query !== 'string') {
      throw new RagSearchError({
        message: 'The search query must be a string.',
        adapterName: this.name,
        code: 'RAG_SEARCH_OPTIONS_INVALID',
      });
    }
    const validated = validateSearchOptions(options, this.name);
    const terms = [...new Set(tokenize(query))];
    await this.#ready('RAG_SEARCH_FAILED');
    if (terms.length === 0) return [];
    return this.#withStatements('RAG_SEARCH_FAILED', 'search', (statements) =>
      rankSqliteChunks(statements, this.collection, terms, validated),
    );
  }

  /** Closes the database when the adapter opened it (`path`); later calls fail. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#statements = undefined;
    await this.#sqlite.connection.close();
  }

  async #guard<T>(code: string, action: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (RagSearchError.isInstance(error)) throw error;
      throw new RagSearchError({
        message: `SQLite search adapter "${this.name}" could not ${action}: ${error instanceof Error ? error.message : String(error)}.`,
        adapterName: this.name,
        code,
        cause: error,
      });
    }
  }

  #assertOpen(): void {
    throwIfAdapterClosed(this.#closed, this.name, 'SqliteSearchAdapter');
  }

  /** Fails when closed; migrates the schema once per connection. */
  async #ready(code: string): Promise<void> {
    this.#assertOpen();
    await this.#guard(code, 'prepare its tables', () => this.#sqlite.connection.ensureMigrated());
  }

  /**
   * Runs `work` with the prepared statements, holding the shared connection; after a write
   * (`writes`), tells the connection's checkpointer.
   */
  #withStatements<T>(
    code: string,
    action: string,
    work: (statements: Statements) => T,
    { writes = false }: { readonly writes?: boolean } = {},
  ): Promise<T> {
    return this.#guard(code, action, () =>
      this.#sqlite.withDatabase(
        (database) => {
          this.#assertOpen();
          this.#statements ??= prepareStatements(database, this.collection);
          return work(this.#statements);
        },
        { writes },
      ),
    );
  }
}
