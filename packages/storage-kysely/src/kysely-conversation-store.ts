import { randomUUID } from 'node:crypto';
import {
  ConversationConflictError,
  ConversationExistsError,
  ConversationNotFoundError,
  InvalidNodeError,
  NodeNotFoundError,
} from '@dk/spec';
import type {
  AppendNodeOptions,
  DkError,
  AppendNodeResult,
  ConversationFilter,
  ConversationNode,
  ConversationPage,
  ConversationRecord,
  ConversationReference,
  ConversationStore,
  ConversationTree,
  CreateConversationOptions,
  ListConversationsOptions,
  NodeReference,
  SearchConversationsOptions,
  UpdateConversationOptions,
} from '@dk/spec';
import {
  metadataKeyPattern,
  checkConversationId,
  checkSettings,
  childNodeId,
  defaultDrainTimeoutMs,
  encodeStoredNodeId,
  isNodeId,
  materializeNode,
  materializeRecord,
  normalizeCreateOptions,
  normalizeFilter,
  normalizeListOptions,
  normalizeNewNode,
  OperationGate,
  serializeMetadata,
} from '@dk/storage-utils';
import { sql } from 'kysely';
import type { SettingsChecker } from '@dk/storage-utils';
import type { RawBuilder } from 'kysely';
import { executePrepared } from './kysely-store-dialect.js';
import type { KyselyStoreDialect, StoreExecutor, StoreTable } from './kysely-store-dialect.js';
import type { MigrationResult } from './migrate-schema.js';
import { appendNodeInTransaction } from './append-node-write.js';
import type { AppendNodeWrite } from './append-node-write.js';
import { nodeKey } from './node-key.js';
import { SqlConnection } from './sql-connection.js';
import { filterCondition, readPage } from './store-page-query.js';
import { readPath } from './store-path-query.js';
import { conversationColumns, decodeCursor, nodeColumns, toNode, toRecord } from './store-rows.js';
import type { ConversationRow, Count, NodeRow } from './store-rows.js';
import { toStoreError } from './to-store-error.js';

/** Options of {@link KyselyConversationStore}; provider packages build them from their settings. */
export interface KyselyConversationStoreOptions extends SqlStoreSettings {
  /** The database (Kysely instance, dialect, migration runner) the store runs on. */
  readonly connection: SqlConnection;
}

/** The settings every SQL store accepts besides its connection settings. */
export interface SqlStoreSettings {
  /** Run pending schema migrations before the first operation. Default `true`. */
  readonly autoMigrate?: boolean;
  /** Generator of conversation ids when `create` gets none. Default `crypto.randomUUID`. */
  readonly generateId?: () => string;
  /** Longest `close()` waits for running operations before closing the connection, in ms. Default 10,000. */
  readonly drainTimeoutMs?: number;
  /**
   * Top-level metadata keys to index for listing: each gets an index on (its value,
   * `updatedAt`, `id`), so `list({ metadata: { [key]: value } })` newest-first reads its page
   * in order from the index instead of collecting and sorting every match. Each costs one
   * index entry per append. Created on first use (`CREATE INDEX IF NOT EXISTS`; on a large
   * PostgreSQL table, create it beforehand with `CONCURRENTLY`). Default: none.
   */
  readonly indexedMetadataKeys?: readonly string[];
}

/** The names of {@link SqlStoreSettings}, for `checkSettings`. */
export const sqlStoreSettingNames = ['autoMigrate', 'generateId', 'drainTimeoutMs', 'indexedMetadataKeys'] as const;

/**
 * The store options of a backend store's settings, their types checked by `check` (so errors
 * name the backend's class).
 */
export function sqlStoreOptions(
  connection: SqlConnection,
  settings: SqlStoreSettings,
  check: SettingsChecker,
): KyselyConversationStoreOptions {
  const generateId = check.callback<() => string>('generateId', settings.generateId);
  const keys = settings.indexedMetadataKeys;
  if (keys !== undefined && (!Array.isArray(keys) || !keys.every((key) => metadataKeyPattern.test(String(key))))) {
    throw check.fail(
      'indexedMetadataKeys',
      'must be an array of top-level metadata keys (1–128 characters of letters, digits, `_`, `-`, `.`, `:`).',
    );
  }
  return {
    connection,
    ...(keys === undefined ? {} : { indexedMetadataKeys: [...new Set(keys)] }),
    autoMigrate: check.boolean('autoMigrate', settings.autoMigrate, true),
    ...(generateId === undefined ? {} : { generateId }),
    drainTimeoutMs: check.integer('drainTimeoutMs', settings.drainTimeoutMs, {
      min: 0,
      fallback: defaultDrainTimeoutMs,
    }),
  };
}

/**
 * The one SQL implementation of `ConversationStore`, shared by the SQLite and PostgreSQL
 * stores; a {@link KyselyStoreDialect} supplies what differs.
 *
 * One row per node: an append inserts one node row and updates one conversation row inside
 * a transaction that locks the conversation (a row lock on PostgreSQL, the write lock on
 * SQLite), so child ids are allocated atomically across processes and the cost of a turn
 * does not depend on the conversation's size. Every key leads with `conversation_id` (so the
 * node table can be partitioned or distributed by it): a node is `(conversation_id, seq)`,
 * `seq` numbering it within its conversation (allocated from `node_count` under the lock); its
 * tree place is `(parent_seq, position)`. Dot-path ids are not stored: reads derive them from
 * the tree, and a given id is found through `node_key`, a 16-byte hash of it ({@link nodeKey}),
 * so keys stay the same size at any depth. The cursor `current_node_id` is stored compactly
 * (`encodeStoredNodeId`: a chat's cursor at depth 10,000 is `0*10000`) and decoded on read.
 */
export class KyselyConversationStore implements ConversationStore {
  readonly specificationVersion = 'v1' as const;
  readonly provider: string;

  readonly #connection: SqlConnection;
  readonly #db: StoreExecutor;
  readonly #dialect: KyselyStoreDialect;
  readonly #autoMigrate: boolean;
  readonly #generateId: () => string;
  readonly #gate: OperationGate;
  readonly #indexedMetadataKeys: ReadonlySet<string>;
  #metadataIndexes: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  /**
   * @throws {InvalidOptionsError} for an unknown option (with the name it most likely meant).
   * @throws {StoreSettingsError} for an option of the wrong type.
   */
  constructor(options: KyselyConversationStoreOptions) {
    const provider = options?.connection?.provider ?? 'sql';
    const check = checkSettings({ provider, component: 'KyselyConversationStore' }, options, [
      'connection',
      ...sqlStoreSettingNames,
    ]);
    if (!(options.connection instanceof SqlConnection)) {
      throw check.fail('connection', 'must be a SqlConnection (backend packages create one from their settings).');
    }
    const { connection, autoMigrate, generateId, drainTimeoutMs, indexedMetadataKeys } = sqlStoreOptions(
      options.connection,
      options,
      check,
    );
    this.#indexedMetadataKeys = new Set(indexedMetadataKeys ?? []);
    this.#connection = connection;
    this.#db = connection.db;
    this.#dialect = connection.dialect;
    this.provider = provider;
    this.#autoMigrate = autoMigrate ?? true;
    this.#generateId = generateId ?? randomUUID;
    this.#gate = new OperationGate({ provider, ...(drainTimeoutMs === undefined ? {} : { drainTimeoutMs }) });
  }

  /** The newest schema version this store knows. */
  get latestSchemaVersion(): number {
    return this.#connection.latestSchemaVersion;
  }

  #table(name: StoreTable): RawBuilder<unknown> {
    return this.#dialect.table(name);
  }

  async #run<T>(operation: string, work: () => Promise<T>, { migrate = true } = {}): Promise<T> {
    return this.#gate.run(operation, async () => {
      try {
        if (migrate && this.#autoMigrate) await this.#connection.ensureMigrated();
        if (migrate && this.#indexedMetadataKeys.size > 0) await this.#ensureMetadataIndexes();
        return await work();
      } catch (error) {
        throw toStoreError(error, this.#dialect, operation);
      }
    });
  }

  /** Creates the indexes of `indexedMetadataKeys` once per store; a failure is retried by the next call. */
  #ensureMetadataIndexes(): Promise<void> {
    this.#metadataIndexes ??= (async () => {
      for (const key of this.#indexedMetadataKeys) await this.#dialect.createMetadataIndex(this.#db, key);
    })().catch((error: unknown) => {
      this.#metadataIndexes = undefined;
      throw error;
    });
    return this.#metadataIndexes;
  }

  /**
   * Applies pending schema migrations (numbered, recorded in `dk_schema_migrations`; one list
   * for everything the backend stores: conversations, search, embedding cache), serialised
   * across processes. Runs automatically before the first operation unless `autoMigrate: false`.
   *
   * @param targetVersion - stop at this version (default: the latest).
   */
  async migrate({ targetVersion }: { readonly targetVersion?: number } = {}): Promise<MigrationResult> {
    return this.#run('migrate', () => this.#connection.migrate({ targetVersion }), { migrate: false });
  }

  async #readConversation(
    executor: StoreExecutor,
    conversationId: string,
    lock = false,
  ): Promise<ConversationRow | undefined> {
    const { rows } = await executePrepared(
      executor,
      this.#dialect,
      sql<ConversationRow>`SELECT ${conversationColumns(this.#dialect, 'c')}
      FROM ${this.#table('dk_conversations')} c WHERE c.id = ${conversationId} ${lock ? this.#dialect.forUpdate : sql``}`,
    );
    return rows[0];
  }

  async #readNode(executor: StoreExecutor, conversationId: string, nodeId: string): Promise<NodeRow | undefined> {
    if (!isNodeId(nodeId)) return undefined;
    const { rows } = await executePrepared(
      executor,
      this.#dialect,
      sql<NodeRow>`SELECT ${nodeColumns(this.#dialect, 'n')} FROM ${this.#table('dk_nodes')} n
      WHERE n.conversation_id = ${conversationId} AND n.node_key = ${nodeKey(nodeId)}`,
    );
    return rows[0];
  }

  /** The missing-node error, or missing-conversation when the conversation itself is absent. */
  async #notFound(conversationId: string, nodeId: string): Promise<DkError> {
    return (await this.#readConversation(this.#db, conversationId)) === undefined
      ? new ConversationNotFoundError({ conversationId })
      : new NodeNotFoundError({ conversationId, nodeId: String(nodeId) });
  }

  async create(options?: CreateConversationOptions): Promise<ConversationRecord> {
    return this.#run('create', async () => {
      const normalized = normalizeCreateOptions(options, { generateId: this.#generateId, now: Date.now() });
      const result = await sql`INSERT INTO ${this.#table('dk_conversations')}
        (id, metadata, current_node_id, version, node_count, created_at, updated_at)
        VALUES (${normalized.id}, ${this.#dialect.jsonParameter(normalized.metadataJson)}, NULL, 1, 0,
          ${normalized.createdAt}, ${normalized.createdAt})
        ON CONFLICT (id) DO NOTHING`.execute(this.#db);
      if (Number(result.numAffectedRows ?? 0) === 0)
        throw new ConversationExistsError({ conversationId: normalized.id });
      return materializeRecord({
        id: normalized.id,
        metadataJson: normalized.metadataJson,
        currentNodeId: null,
        version: 1,
        nodeCount: 0,
        createdAt: normalized.createdAt,
        updatedAt: normalized.createdAt,
      });
    });
  }

  async get({ conversationId }: ConversationReference): Promise<ConversationRecord | undefined> {
    return this.#run('get', async () => {
      const row = await this.#readConversation(this.#db, checkConversationId(conversationId));
      return row === undefined ? undefined : toRecord(row);
    });
  }

  async load({ conversationId }: ConversationReference): Promise<ConversationTree | undefined> {
    return this.#run('load', async () => {
      checkConversationId(conversationId);
      return this.#db
        .transaction()
        .setIsolationLevel('repeatable read')
        .execute(async (executor) => {
          const conversation = await this.#readConversation(executor, conversationId);
          if (conversation === undefined) return undefined;
          const { rows } =
            await sql<NodeRow>`SELECT ${nodeColumns(this.#dialect, 'n')} FROM ${this.#table('dk_nodes')} n
            WHERE n.conversation_id = ${conversationId} ORDER BY n.seq`.execute(executor);
          const ids = new Map<string, string>();
          const nodes = rows.map((row) => {
            const parentId = row.parent_seq === null ? null : ids.get(String(row.parent_seq));
            if (parentId === undefined) throw new Error(`node row ${String(row.seq)} has no parent row before it`);
            const id = parentId === null ? '' : childNodeId(parentId, Number(row.position));
            ids.set(String(row.seq), id);
            return toNode(conversationId, id, parentId, row);
          });
          return { conversation: toRecord(conversation), nodes };
        });
    });
  }

  async getNode({ conversationId, nodeId }: NodeReference): Promise<ConversationNode | undefined> {
    return this.#run('getNode', async () => {
      checkConversationId(conversationId);
      const row = await this.#readNode(this.#db, conversationId, nodeId);
      if (row === undefined) return undefined;
      const parentId = nodeId === '' ? null : nodeId.slice(0, Math.max(0, nodeId.lastIndexOf('.')));
      return toNode(conversationId, nodeId, parentId, row);
    });
  }

  async getPath({ conversationId, nodeId }: NodeReference): Promise<readonly ConversationNode[]> {
    return this.#run('getPath', async () => {
      checkConversationId(conversationId);
      if (!isNodeId(nodeId)) throw await this.#notFound(conversationId, nodeId);
      const path = await readPath(this.#db, this.#dialect, conversationId, nodeId);
      if (path === undefined) throw await this.#notFound(conversationId, nodeId);
      return path;
    });
  }

  async getChildren({ conversationId, nodeId }: NodeReference): Promise<readonly ConversationNode[]> {
    return this.#run('getChildren', async () => {
      checkConversationId(conversationId);
      const parent = await this.#readNode(this.#db, conversationId, nodeId);
      if (parent === undefined) throw await this.#notFound(conversationId, nodeId);
      const { rows } = await sql<NodeRow>`SELECT ${nodeColumns(this.#dialect, 'n')} FROM ${this.#table('dk_nodes')} n
        WHERE n.conversation_id = ${conversationId} AND n.parent_seq = ${parent.seq}
        ORDER BY n.position`.execute(this.#db);
      return rows.map((row) => toNode(conversationId, childNodeId(nodeId, Number(row.position)), nodeId, row));
    });
  }

  async appendNode(options: AppendNodeOptions): Promise<AppendNodeResult> {
    return this.#run('appendNode', async () => {
      const { conversationId, parentId, moveCursor = false, expectedVersion } = options;
      checkConversationId(conversationId);
      if (parentId !== null && typeof parentId !== 'string') {
        throw new InvalidNodeError({ field: 'parentId', reason: 'must be a node id string, or null for the root.' });
      }
      if (expectedVersion !== undefined && !Number.isInteger(expectedVersion)) {
        throw new InvalidNodeError({
          field: 'expectedVersion',
          reason: 'must be an integer version read from the store.',
        });
      }
      const now = Date.now();
      const node = normalizeNewNode(options.node, now);
      const write: AppendNodeWrite = { conversationId, parentId, expectedVersion, moveCursor, now, node };
      const outcome =
        this.#dialect.appendNode === undefined
          ? await appendNodeInTransaction(this.#db, this.#dialect, write)
          : await this.#dialect.appendNode(this.#db, write);
      switch (outcome.kind) {
        case 'no-conversation':
          throw new ConversationNotFoundError({ conversationId });
        case 'version-conflict':
          throw new ConversationConflictError({
            conversationId,
            expectedVersion: expectedVersion!,
            actualVersion: outcome.actualVersion,
          });
        case 'no-parent':
          throw new NodeNotFoundError({ conversationId, nodeId: String(parentId) });
        case 'has-root':
          throw new InvalidNodeError({
            field: 'parentId',
            reason: `conversation "${conversationId}" already has a root node; append under an existing node id instead of null.`,
          });
      }
      const { conversation, position } = outcome;
      const id = outcome.id ?? (parentId === null ? '' : childNodeId(parentId, position));
      const version = Number(conversation.version);
      return {
        node: materializeNode({ conversationId, id, parentId, position, ...node }),
        conversation: materializeRecord({
          id: conversationId,
          metadataJson: conversation.metadata,
          // The backend reads the stored cursor only when it stays (see `AppendedConversation`).
          currentNodeId: moveCursor ? id : decodeCursor(conversation.current_node_id),
          version: moveCursor ? version + 1 : version,
          nodeCount: Number(conversation.node_count) + 1,
          createdAt: Number(conversation.created_at),
          updatedAt: now,
        }),
      };
    });
  }

  async updateConversation(options: UpdateConversationOptions): Promise<ConversationRecord> {
    return this.#run('updateConversation', async () => {
      const { conversationId, expectedVersion, currentNodeId, metadata } = options;
      checkConversationId(conversationId);
      if (!Number.isInteger(expectedVersion)) {
        throw new InvalidNodeError({
          field: 'expectedVersion',
          reason: 'must be the integer `version` read from the store.',
        });
      }
      const metadataJson =
        metadata === undefined
          ? undefined
          : serializeMetadata(metadata, (reason, cause) => new InvalidNodeError({ field: 'metadata', reason, cause }));
      const current = await this.#readConversation(this.#db, conversationId);
      if (current === undefined) throw new ConversationNotFoundError({ conversationId });
      const conflict = (actual: Count) =>
        new ConversationConflictError({ conversationId, expectedVersion, actualVersion: Number(actual) });
      if (Number(current.version) !== expectedVersion) throw conflict(current.version);
      if (
        currentNodeId !== undefined &&
        (await this.#readNode(this.#db, conversationId, currentNodeId)) === undefined
      ) {
        throw new NodeNotFoundError({ conversationId, nodeId: String(currentNodeId) });
      }
      if (currentNodeId === undefined && metadataJson === undefined) return toRecord(current);
      const sets: RawBuilder<unknown>[] = [sql`version = version + 1`, sql`updated_at = ${Date.now()}`];
      if (currentNodeId !== undefined) sets.push(sql`current_node_id = ${encodeStoredNodeId(currentNodeId)}`);
      if (metadataJson !== undefined) sets.push(sql`metadata = ${this.#dialect.jsonParameter(metadataJson)}`);
      const { rows } = await sql<ConversationRow>`UPDATE ${this.#table('dk_conversations')} SET ${sql.join(sets)}
        WHERE id = ${conversationId} AND version = ${expectedVersion}
        RETURNING ${conversationColumns(this.#dialect, null)}`.execute(this.#db);
      const updated = rows[0];
      if (updated !== undefined) return toRecord(updated);
      const now = await this.#readConversation(this.#db, conversationId);
      if (now === undefined) throw new ConversationNotFoundError({ conversationId });
      throw conflict(now.version);
    });
  }

  async list(options?: ListConversationsOptions): Promise<ConversationPage> {
    return this.#run('list', () =>
      readPage(this.#db, this.#dialect, normalizeListOptions(options), this.#indexedMetadataKeys),
    );
  }

  async count(options?: ConversationFilter): Promise<number> {
    return this.#run('count', async () => {
      const filter = normalizeFilter(options);
      const { rows } = await sql<{ total: Count }>`SELECT count(*) AS total FROM ${this.#table('dk_conversations')} c
        WHERE ${await filterCondition(this.#db, this.#dialect, filter, false, this.#indexedMetadataKeys)}`.execute(
        this.#db,
      );
      return Number(rows[0]?.total ?? 0);
    });
  }

  async search(options: SearchConversationsOptions): Promise<ConversationPage> {
    return this.#run('search', () =>
      readPage(
        this.#db,
        this.#dialect,
        normalizeListOptions(options, { requireText: true }),
        this.#indexedMetadataKeys,
      ),
    );
  }

  async delete({ conversationId }: ConversationReference): Promise<boolean> {
    return this.#run('delete', async () => {
      const result =
        await sql`DELETE FROM ${this.#table('dk_conversations')} WHERE id = ${checkConversationId(conversationId)}`.execute(
          this.#db,
        );
      return Number(result.numAffectedRows ?? 0) > 0;
    });
  }

  async deleteMany(options: ConversationFilter): Promise<number> {
    return this.#run('deleteMany', async () => {
      const filter = normalizeFilter(options, { requireCondition: true });
      const result = await sql`DELETE FROM ${this.#table('dk_conversations')} WHERE id IN
        (SELECT c.id FROM ${this.#table('dk_conversations')} c WHERE ${await filterCondition(this.#db, this.#dialect, filter, false, this.#indexedMetadataKeys)})`.execute(
        this.#db,
      );
      return Number(result.numAffectedRows ?? 0);
    });
  }

  async ping(): Promise<void> {
    await this.#run(
      'ping',
      async () => {
        await sql`SELECT 1`.execute(this.#db);
      },
      { migrate: false },
    );
  }

  /**
   * Refuses new operations at once (`StoreClosedError`), waits for the running ones (at most
   * `drainTimeoutMs`), then closes the connection if the store opened it. Idempotent.
   */
  async close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#gate.close();
      await this.#connection.close();
    })();
    await this.#closing;
  }
}
