import { KyselyConversationStore, sqlStoreOptions, sqlStoreSettingNames } from '@dk/storage-kysely';
import type { SqlStoreSettings } from '@dk/storage-kysely';
import type {
  AppendNodeOptions,
  AppendNodeResult,
  ConversationFilter,
  ConversationNode,
  ConversationPage,
  ConversationRecord,
  ConversationReference,
  ConversationTree,
  CreateConversationOptions,
  ListConversationsOptions,
  NodeReference,
  SearchConversationsOptions,
  UpdateConversationOptions,
} from '@dk/spec';
import { checkSettings } from '@dk/storage-utils';
import type { Pool } from 'pg';
import { openPostgresConnection, postgresConnectionSettingNames } from './open-postgres-connection.js';
import type { PostgresConnectionSettings } from './open-postgres-connection.js';

/** Where reads that tolerate replication lag go: a PostgreSQL replica (streaming or logical). */
export interface PostgresReadReplicaSettings {
  /**
   * Connection URL of a read replica; the store creates (lazily) and owns its pool. Reads that
   * tolerate lag go there (see {@link PostgresConversationStore}); writes and read-your-writes
   * reads go to the primary (`connectionString` / `pool`). Default: none (every read on the primary).
   */
  readonly readConnectionString?: string;
  /** A `pg.Pool` of a read replica that the application owns (never ended by the store). */
  readonly readPool?: Pool;
  /**
   * How long after this store wrote a conversation its reads of that conversation stay on the
   * primary, in milliseconds: longer than the replica's worst lag. Default 5,000.
   */
  readonly readYourWritesMs?: number;
}

/** Settings of {@link PostgresConversationStore}: give exactly one of `connectionString` or `pool`. */
export interface PostgresConversationStoreSettings
  extends PostgresConnectionSettings, PostgresReadReplicaSettings, SqlStoreSettings {}

/** Conversations written by this store instance, with the time of the last write. */
class RecentWrites {
  readonly #windowMs: number;
  readonly #written = new Map<string, number>();
  /** A write whose conversations are not known one by one (`deleteMany`) covers them all. */
  #all = Number.NEGATIVE_INFINITY;

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  note(conversationId: string): void {
    const now = performance.now();
    // Re-inserted so that the map stays ordered by write time and old entries can be dropped from the front.
    this.#written.delete(conversationId);
    this.#written.set(conversationId, now);
    for (const [id, at] of this.#written) {
      if (now - at < this.#windowMs) break;
      this.#written.delete(id);
    }
  }

  noteAll(): void {
    this.#all = performance.now();
  }

  /** Whether a read of `conversationId` must see this store's writes (so goes to the primary). */
  recent(conversationId: string): boolean {
    const now = performance.now();
    if (now - this.#all < this.#windowMs) return true;
    const at = this.#written.get(conversationId);
    return at !== undefined && now - at < this.#windowMs;
  }
}

/**
 * `ConversationStore` on PostgreSQL (pg): one row per node, JSONB metadata with a GIN
 * index, full-text search, numbered migrations. Built for several app servers sharing one
 * database: appends lock the conversation row, so node ids stay unique across processes.
 * A dropped connection never crashes the process: the failed operation rejects with a
 * retryable `StoreUnavailableError` and the next one reconnects. A `PostgresSearchAdapter`
 * given the same `pool` and `schema` shares its Kysely instance and its migrations.
 *
 * With a read replica (`readConnectionString` or `readPool`): writes, and reads of a
 * conversation this store instance wrote within `readYourWritesMs`, go to the primary
 * (read-your-writes for the conversation being written); other reads of one conversation
 * (`get`, `load`, `getNode`, `getPath`, `getChildren`) and the lists (`list`, `count`,
 * `search`) go to the replica and may lag behind writes of other servers by the replication
 * delay. The replica is never migrated by the store: its schema comes from the primary.
 * Optimistic version checks run on the primary, so a stale read never loses a write: it ends
 * in a `ConversationConflictError` at worst.
 */
export class PostgresConversationStore extends KyselyConversationStore {
  /** The schema holding this store's tables. */
  readonly schema: string;
  readonly #replica: KyselyConversationStore | undefined;
  readonly #recent: RecentWrites;

  /**
   * @throws {InvalidOptionsError} for an unknown setting (with the name it most likely meant).
   * @throws {StoreSettingsError} for a setting of the wrong type.
   */
  constructor(settings: PostgresConversationStoreSettings) {
    const check = checkSettings({ provider: 'postgres', component: 'PostgresConversationStore' }, settings, [
      ...postgresConnectionSettingNames,
      ...sqlStoreSettingNames,
      'readConnectionString',
      'readPool',
      'readYourWritesMs',
    ]);
    const { connection, schema } = openPostgresConnection(settings ?? {}, check);
    super(sqlStoreOptions(connection, settings, check));
    this.schema = schema;
    const { readConnectionString, readPool } = settings;
    if (readConnectionString !== undefined && readPool !== undefined)
      throw check.fail('readConnectionString', 'give at most one of `readConnectionString` or `readPool`.');
    if (readConnectionString !== undefined)
      check.string('readConnectionString', readConnectionString, { reason: 'must be a non-empty postgres:// URL.' });
    if (readPool !== undefined && (typeof readPool?.connect !== 'function' || typeof readPool.on !== 'function'))
      throw check.fail('readPool', 'must be a `pg.Pool`.');
    this.#recent = new RecentWrites(
      check.integer('readYourWritesMs', settings.readYourWritesMs, { min: 0, fallback: 5000 }),
    );
    if (readConnectionString === undefined && readPool === undefined) return;
    const replica = openPostgresConnection(
      readPool === undefined
        ? {
            connectionString: readConnectionString,
            schema,
            ...(settings.maxConnections === undefined ? {} : { maxConnections: settings.maxConnections }),
            ...(settings.onConnectionError === undefined ? {} : { onConnectionError: settings.onConnectionError }),
          }
        : { pool: readPool, schema },
      check,
    );
    this.#replica = new KyselyConversationStore({
      connection: replica.connection,
      autoMigrate: false,
      ...(settings.drainTimeoutMs === undefined ? {} : { drainTimeoutMs: settings.drainTimeoutMs }),
    });
  }

  /** The store a read of `conversationId` goes to: the primary (this) or the replica. */
  #reader(conversationId: string): KyselyConversationStore | undefined {
    return this.#replica === undefined || this.#recent.recent(conversationId) ? undefined : this.#replica;
  }

  override async create(options?: CreateConversationOptions): Promise<ConversationRecord> {
    const record = await super.create(options);
    this.#recent.note(record.id);
    return record;
  }

  override async appendNode(options: AppendNodeOptions): Promise<AppendNodeResult> {
    this.#recent.note(options.conversationId);
    try {
      return await super.appendNode(options);
    } finally {
      this.#recent.note(options.conversationId);
    }
  }

  override async updateConversation(options: UpdateConversationOptions): Promise<ConversationRecord> {
    this.#recent.note(options.conversationId);
    try {
      return await super.updateConversation(options);
    } finally {
      this.#recent.note(options.conversationId);
    }
  }

  override async delete(reference: ConversationReference): Promise<boolean> {
    try {
      return await super.delete(reference);
    } finally {
      this.#recent.note(reference.conversationId);
    }
  }

  override async deleteMany(options: ConversationFilter): Promise<number> {
    try {
      return await super.deleteMany(options);
    } finally {
      this.#recent.noteAll();
    }
  }

  override get(reference: ConversationReference): Promise<ConversationRecord | undefined> {
    return this.#reader(reference.conversationId)?.get(reference) ?? super.get(reference);
  }

  override load(reference: ConversationReference): Promise<ConversationTree | undefined> {
    return this.#reader(reference.conversationId)?.load(reference) ?? super.load(reference);
  }

  override getNode(reference: NodeReference): Promise<ConversationNode | undefined> {
    return this.#reader(reference.conversationId)?.getNode(reference) ?? super.getNode(reference);
  }

  override getPath(reference: NodeReference): Promise<readonly ConversationNode[]> {
    return this.#reader(reference.conversationId)?.getPath(reference) ?? super.getPath(reference);
  }

  override getChildren(reference: NodeReference): Promise<readonly ConversationNode[]> {
    return this.#reader(reference.conversationId)?.getChildren(reference) ?? super.getChildren(reference);
  }

  override list(options?: ListConversationsOptions): Promise<ConversationPage> {
    return this.#replica?.list(options) ?? super.list(options);
  }

  override count(options?: ConversationFilter): Promise<number> {
    return this.#replica?.count(options) ?? super.count(options);
  }

  override search(options: SearchConversationsOptions): Promise<ConversationPage> {
    return this.#replica?.search(options) ?? super.search(options);
  }

  /** Checks the primary and, when there is one, the replica. */
  override async ping(): Promise<void> {
    await Promise.all([super.ping(), this.#replica?.ping()]);
  }

  /** Closes the primary and the replica connections the store opened. Idempotent. */
  override async close(): Promise<void> {
    await Promise.all([super.close(), this.#replica?.close()]);
  }
}
