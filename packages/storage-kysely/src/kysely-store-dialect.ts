import type { ConversationMetadataValue } from '@dk/spec';
import type { Kysely, QueryResult, RawBuilder, SqlBool } from 'kysely';
import type { AppendNodeOutcome, AppendNodeWrite } from './append-node-write.js';

/** The tables of a backend's schema: the conversation store's, the search adapters' and the embedding cache's. */
export type StoreTable =
  | 'dk_schema_migrations'
  | 'dk_conversations'
  | 'dk_nodes'
  | 'dk_conversation_metadata'
  | 'dk_nodes_fts'
  | 'dk_search_chunks'
  | 'dk_search_stats'
  | 'dk_embedding_cache';

/** The store needs no typed tables: every statement is written with Kysely's `sql` tag. */
export type StoreDatabase = object;

/** A query executor: the store's `Kysely`, a transaction, or a single reserved connection. */
export type StoreExecutor = Kysely<StoreDatabase>;

/** One numbered schema migration. */
export interface StoreMigration {
  /** Schema version this migration produces (1, 2, …, contiguous). */
  readonly version: number;
  /** Short description, stored in the migrations table. */
  readonly name: string;
  /** Applies the migration inside the migration transaction. */
  readonly up: (executor: StoreExecutor) => Promise<void>;
}

/**
 * What differs between SQL backends. `KyselyConversationStore` writes the shared
 * statements and `migrateSchema` runs the migrations; a provider package supplies one of these.
 */
export interface KyselyStoreDialect {
  /** Backend name for errors and logs, e.g. `sqlite`. */
  readonly provider: string;
  /**
   * The backend's one numbered migration list, in version order: the conversation store's
   * tables and those of every other component sharing the database (search, caches).
   */
  readonly migrations: readonly StoreMigration[];
  /**
   * True for a driver error that is transient (connection lost or refused, database busy):
   * the store reports it as a retryable `StoreUnavailableError`. Default: none is.
   */
  isTransientError?(error: unknown): boolean;
  /** A (schema-qualified) reference to a store table. */
  table(name: StoreTable): RawBuilder<unknown>;
  /**
   * Runs `work` in a transaction that may write; on SQLite it takes the database write
   * lock up front (`BEGIN IMMEDIATE`) so concurrent processes queue instead of failing.
   */
  writeTransaction<T>(db: StoreExecutor, work: (executor: StoreExecutor) => Promise<T>): Promise<T>;
  /** Serialises migrations across processes (called first inside the migration transaction). */
  lockForMigration(executor: StoreExecutor): Promise<void>;
  /** `FOR UPDATE` where row locks exist, empty otherwise. */
  readonly forUpdate: RawBuilder<unknown>;
  /** A JSON parameter as the column type expects it (`jsonb` on PostgreSQL, text on SQLite). */
  jsonParameter(json: string): RawBuilder<unknown>;
  /** A JSON column read back as text. */
  jsonText(column: string): RawBuilder<string>;
  /**
   * Condition on conversation alias `c`: every metadata key equals its value. `ordered`
   * tells that the query reads one sorted page (so a plan that walks the sort index and
   * stops early may beat one that collects every match first).
   */
  metadataCondition(
    entries: readonly (readonly [string, ConversationMetadataValue])[],
    context: { readonly executor: StoreExecutor; readonly ordered: boolean },
  ): Promise<RawBuilder<SqlBool>>;
  /**
   * Creates (if missing) the index of a key of `indexedMetadataKeys`: the key's value
   * (as {@link indexedMetadataCondition} reads it), `updated_at`, `id`.
   */
  createMetadataIndex(executor: StoreExecutor, key: string): Promise<void>;
  /** Condition on conversation alias `c`: metadata `key` equals `value`, on the expression of its index. */
  indexedMetadataCondition(key: string, value: ConversationMetadataValue): RawBuilder<SqlBool>;
  /**
   * Condition on conversation alias `c`: one node contains every token. May first bring a
   * text index up to date on `executor` (an index maintained in batches, as on SQLite).
   */
  textCondition(
    tokens: readonly string[],
    context: { readonly executor: StoreExecutor },
  ): RawBuilder<SqlBool> | Promise<RawBuilder<SqlBool>>;
  /**
   * Marks the SQL text of a hot statement whose best plan does not depend on its parameter
   * values, so the backend may keep it prepared across calls (PostgreSQL: a named statement,
   * parsed and planned once per connection). Default: none is marked.
   */
  markPrepared?(text: string): void;
  /**
   * The backend's fastest append with the semantics of `appendNodeInTransaction` (one
   * statement or server-side function, prepared statements): it writes the cursor in its stored
   * form and returns the old one only when it keeps it (`AppendedConversation`); `LastAppendedNodes`
   * makes a chat turn's key and cursor O(1). Default: that transaction.
   */
  appendNode?(db: StoreExecutor, write: AppendNodeWrite): Promise<AppendNodeOutcome>;
}

/** Runs a statement that {@link KyselyStoreDialect.markPrepared} may keep prepared (see there). */
export async function executePrepared<Row>(
  db: StoreExecutor,
  dialect: KyselyStoreDialect,
  query: RawBuilder<Row>,
): Promise<QueryResult<Row>> {
  const compiled = query.compile(db);
  dialect.markPrepared?.(compiled.sql);
  return db.executeQuery(compiled);
}
