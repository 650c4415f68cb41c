import { randomUUID } from 'node:crypto';
import {
  ConversationConflictError,
  ConversationExistsError,
  ConversationNotFoundError,
  ConversationStoreError,
  DkError,
  InvalidFilterError,
  InvalidNodeError,
  NodeNotFoundError,
  StoreClosedError,
} from '@dk/spec';
import type {
  AppendNodeOptions,
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
  checkConversationId,
  childNodeId,
  encodePageCursor,
  isNodeId,
  materializeNode,
  materializeRecord,
  normalizeCreateOptions,
  normalizeFilter,
  normalizeListOptions,
  normalizeNewNode,
  serializeMetadata,
} from '@dk/storage-memory/store-kit';
import type { NormalizedFilter, NormalizedListOptions } from '@dk/storage-memory/store-kit';
import { sql } from 'kysely';
import type { RawBuilder, SqlBool } from 'kysely';
import type { KyselyStoreDialect, StoreExecutor } from './kysely-store-dialect.js';
import { nodeKey } from './node-key.js';

/** Options of {@link KyselyConversationStore}; provider packages build them from their settings. */
export interface KyselyConversationStoreOptions {
  /** The Kysely instance to run statements on. */
  readonly db: StoreExecutor;
  /** The provider's SQL differences. */
  readonly dialect: KyselyStoreDialect;
  /** Run pending migrations before the first operation. Default `true`. */
  readonly autoMigrate?: boolean;
  /** Generator of conversation ids when `create` gets none. Default `crypto.randomUUID`. */
  readonly generateId?: () => string;
  /** Releases clients the store created (not injected ones); called once by `close()`. */
  readonly release?: () => Promise<void>;
}

/** Result of {@link KyselyConversationStore.migrate}. */
export interface MigrationResult {
  /** Schema version before the call (0 for an empty database). */
  readonly fromVersion: number;
  /** Schema version after the call. */
  readonly toVersion: number;
}

type Count = number | string | bigint;

interface ConversationRow {
  readonly id: string;
  readonly metadata: string;
  readonly current_node_id: string | null;
  readonly version: Count;
  readonly node_count: Count;
  readonly created_at: Count;
  readonly updated_at: Count;
}

interface NodeRow {
  readonly seq: Count;
  readonly parent_seq: Count | null;
  readonly position: Count;
  readonly role: ConversationNode['role'];
  readonly content: string;
  readonly name: string | null;
  readonly tool_call_id: string | null;
  readonly tool_calls: string | null;
  readonly metadata: string;
  readonly prompt_name: string | null;
  readonly branch_name: string | null;
  readonly created_at: Count;
}

const sortColumns = { createdAt: 'created_at', updatedAt: 'updated_at', id: 'id' } as const;

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, 300);
  const code = (error as { code?: unknown }).code;
  return `${typeof code === 'string' ? `${code}: ` : ''}${error.message}`.slice(0, 300);
}

function toRecord(row: ConversationRow): ConversationRecord {
  return materializeRecord({
    id: row.id,
    metadataJson: row.metadata,
    currentNodeId: row.current_node_id,
    version: Number(row.version),
    nodeCount: Number(row.node_count),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  });
}

/**
 * The one SQL implementation of `ConversationStore`, shared by the SQLite and PostgreSQL
 * stores; a {@link KyselyStoreDialect} supplies what differs.
 *
 * One row per node: an append inserts one node row and updates one conversation row inside
 * a transaction that locks the conversation (a row lock on PostgreSQL, the write lock on
 * SQLite), so child ids are allocated atomically across processes and the cost of a turn
 * does not depend on the conversation's size. Node ids are not stored: each row keeps its
 * parent's row and its position, and ids are derived on read.
 */
export class KyselyConversationStore implements ConversationStore {
  readonly specificationVersion = 'v1' as const;
  readonly provider: string;

  readonly #db: StoreExecutor;
  readonly #dialect: KyselyStoreDialect;
  readonly #autoMigrate: boolean;
  readonly #generateId: () => string;
  readonly #release: (() => Promise<void>) | undefined;
  #ready: Promise<void> | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(options: KyselyConversationStoreOptions) {
    this.#db = options.db;
    this.#dialect = options.dialect;
    this.provider = options.dialect.provider;
    this.#autoMigrate = options.autoMigrate ?? true;
    this.#generateId = options.generateId ?? randomUUID;
    this.#release = options.release;
  }

  /** The newest schema version this store knows. */
  get latestSchemaVersion(): number {
    return this.#dialect.migrations.at(-1)?.version ?? 0;
  }

  #table(name: Parameters<KyselyStoreDialect['table']>[0]): RawBuilder<unknown> {
    return this.#dialect.table(name);
  }

  #open(operation: string): void {
    if (this.#closed) throw new StoreClosedError({ provider: this.provider, operation });
  }

  async #run<T>(operation: string, work: () => Promise<T>, { migrate = true } = {}): Promise<T> {
    this.#open(operation);
    try {
      if (migrate && this.#autoMigrate) {
        this.#ready ??= this.migrate().then(
          () => undefined,
          (error: unknown) => {
            this.#ready = undefined;
            throw error;
          },
        );
        await this.#ready;
      }
      return await work();
    } catch (error) {
      if (DkError.isInstance(error)) throw error;
      throw new ConversationStoreError({
        provider: this.provider,
        operation,
        detail: describeError(error),
        cause: error,
      });
    }
  }

  /**
   * Applies pending schema migrations (numbered, recorded in `dk_schema_migrations`),
   * serialised across processes. Runs automatically before the first operation unless
   * `autoMigrate: false`.
   *
   * @param targetVersion - stop at this version (default: the latest).
   */
  async migrate({ targetVersion }: { readonly targetVersion?: number } = {}): Promise<MigrationResult> {
    const latest = this.latestSchemaVersion;
    const target = targetVersion ?? latest;
    if (!Number.isInteger(target) || target < 0 || target > latest) {
      throw new InvalidFilterError({ field: 'targetVersion', reason: `must be an integer from 0 to ${latest}.` });
    }
    return this.#run(
      'migrate',
      () =>
        this.#dialect.writeTransaction(this.#db, async (executor) => {
          await this.#dialect.lockForMigration(executor);
          await sql`CREATE TABLE IF NOT EXISTS ${this.#table('dk_schema_migrations')} (
            version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`.execute(executor);
          const { rows } = await sql<{
            version: Count | null;
          }>`SELECT max(version) AS version FROM ${this.#table('dk_schema_migrations')}`.execute(executor);
          const fromVersion = Number(rows[0]?.version ?? 0);
          if (fromVersion > latest) {
            throw new ConversationStoreError({
              provider: this.provider,
              operation: 'migrate',
              detail: `the database is at schema version ${fromVersion}, newer than the ${latest} this package knows; upgrade the @dk/storage-${this.provider} package`,
            });
          }
          for (const migration of this.#dialect.migrations) {
            if (migration.version <= fromVersion || migration.version > target) continue;
            await migration.up(executor);
            await sql`INSERT INTO ${this.#table('dk_schema_migrations')} (version, name, applied_at)
              VALUES (${migration.version}, ${migration.name}, ${Date.now()})`.execute(executor);
          }
          return { fromVersion, toVersion: Math.max(fromVersion, target) };
        }),
      { migrate: false },
    );
  }

  /** The conversation columns, qualified by `alias` (unqualified when `null`, e.g. in RETURNING). */
  #conversationColumns(alias: string | null): RawBuilder<unknown> {
    const qualify = (name: string) => (alias === null ? name : `${alias}.${name}`);
    const column = (name: string) => sql.ref(qualify(name));
    return sql`${column('id')} AS id, ${this.#dialect.jsonText(qualify('metadata'))} AS metadata,
      ${column('current_node_id')} AS current_node_id, ${column('version')} AS version,
      ${column('node_count')} AS node_count, ${column('created_at')} AS created_at, ${column('updated_at')} AS updated_at`;
  }

  #nodeColumns(alias: string): RawBuilder<unknown> {
    const column = (name: string) => sql.ref(`${alias}.${name}`);
    return sql`${column('seq')} AS seq, ${column('parent_seq')} AS parent_seq, ${column('position')} AS position,
      ${column('role')} AS role, ${column('content')} AS content, ${column('name')} AS name,
      ${column('tool_call_id')} AS tool_call_id, ${this.#dialect.jsonText(`${alias}.tool_calls`)} AS tool_calls,
      ${this.#dialect.jsonText(`${alias}.metadata`)} AS metadata, ${column('prompt_name')} AS prompt_name,
      ${column('branch_name')} AS branch_name, ${column('created_at')} AS created_at`;
  }

  #toNode(conversationId: string, id: string, parentId: string | null, row: NodeRow): ConversationNode {
    return materializeNode({
      conversationId,
      id,
      parentId,
      position: Number(row.position),
      role: row.role,
      content: row.content,
      name: row.name,
      toolCallId: row.tool_call_id,
      promptName: row.prompt_name,
      branchName: row.branch_name,
      toolCallsJson: row.tool_calls,
      metadataJson: row.metadata,
      createdAt: Number(row.created_at),
    });
  }

  async #readConversation(
    executor: StoreExecutor,
    conversationId: string,
    lock = false,
  ): Promise<ConversationRow | undefined> {
    const { rows } = await sql<ConversationRow>`SELECT ${this.#conversationColumns('c')}
      FROM ${this.#table('dk_conversations')} c WHERE c.id = ${conversationId} ${lock ? this.#dialect.forUpdate : sql``}`.execute(
      executor,
    );
    return rows[0];
  }

  async #readNode(executor: StoreExecutor, conversationId: string, nodeId: string): Promise<NodeRow | undefined> {
    if (!isNodeId(nodeId)) return undefined;
    const { rows } = await sql<NodeRow>`SELECT ${this.#nodeColumns('n')} FROM ${this.#table('dk_nodes')} n
      WHERE n.conversation_id = ${conversationId} AND n.node_key = ${nodeKey(nodeId)}`.execute(executor);
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
          const { rows } = await sql<NodeRow>`SELECT ${this.#nodeColumns('n')} FROM ${this.#table('dk_nodes')} n
            WHERE n.conversation_id = ${conversationId} ORDER BY n.seq`.execute(executor);
          const ids = new Map<string, string>();
          const nodes = rows.map((row) => {
            const parentId = row.parent_seq === null ? null : ids.get(String(row.parent_seq));
            if (parentId === undefined) throw new Error(`node row ${String(row.seq)} has no parent row before it`);
            const id = parentId === null ? '' : childNodeId(parentId, Number(row.position));
            ids.set(String(row.seq), id);
            return this.#toNode(conversationId, id, parentId, row);
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
      return this.#toNode(conversationId, nodeId, parentId, row);
    });
  }

  async getPath({ conversationId, nodeId }: NodeReference): Promise<readonly ConversationNode[]> {
    return this.#run('getPath', async () => {
      checkConversationId(conversationId);
      if (!isNodeId(nodeId)) throw await this.#notFound(conversationId, nodeId);
      // Walk up on the narrow (seq, parent_seq) pairs only, then fetch the path's rows by key.
      const { rows } = await sql<NodeRow>`WITH RECURSIVE up (seq, parent_seq, depth) AS (
          SELECT seq, parent_seq, 0 FROM ${this.#table('dk_nodes')}
          WHERE conversation_id = ${conversationId} AND node_key = ${nodeKey(nodeId)}
          UNION ALL
          SELECT p.seq, p.parent_seq, up.depth + 1 FROM ${this.#table('dk_nodes')} p JOIN up ON p.seq = up.parent_seq)
        SELECT ${this.#nodeColumns('n')} FROM up JOIN ${this.#table('dk_nodes')} n ON n.seq = up.seq
        ORDER BY up.depth DESC`.execute(this.#db);
      if (rows.length === 0) throw await this.#notFound(conversationId, nodeId);
      let parentId: string | null = null;
      return rows.map((row) => {
        const id: string = parentId === null ? '' : childNodeId(parentId, Number(row.position));
        const node = this.#toNode(conversationId, id, parentId, row);
        parentId = id;
        return node;
      });
    });
  }

  async getChildren({ conversationId, nodeId }: NodeReference): Promise<readonly ConversationNode[]> {
    return this.#run('getChildren', async () => {
      checkConversationId(conversationId);
      const parent = await this.#readNode(this.#db, conversationId, nodeId);
      if (parent === undefined) throw await this.#notFound(conversationId, nodeId);
      const { rows } = await sql<NodeRow>`SELECT ${this.#nodeColumns('n')} FROM ${this.#table('dk_nodes')} n
        WHERE n.parent_seq = ${parent.seq} ORDER BY n.position`.execute(this.#db);
      return rows.map((row) => this.#toNode(conversationId, childNodeId(nodeId, Number(row.position)), nodeId, row));
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
      return this.#dialect.writeTransaction(this.#db, async (executor) => {
        const conversation = await this.#readConversation(executor, conversationId, true);
        if (conversation === undefined) throw new ConversationNotFoundError({ conversationId });
        const version = Number(conversation.version);
        if (expectedVersion !== undefined && expectedVersion !== version) {
          throw new ConversationConflictError({ conversationId, expectedVersion, actualVersion: version });
        }
        let parentSeq: Count | null = null;
        let position = 0;
        let id = '';
        if (parentId === null) {
          if (Number(conversation.node_count) > 0) {
            throw new InvalidNodeError({
              field: 'parentId',
              reason: `conversation "${conversationId}" already has a root node; append under an existing node id instead of null.`,
            });
          }
        } else {
          const parent = isNodeId(parentId)
            ? (
                await sql<{ seq: Count; next_position: Count }>`SELECT p.seq AS seq,
                  (SELECT coalesce(max(k.position) + 1, 0) FROM ${this.#table('dk_nodes')} k WHERE k.parent_seq = p.seq) AS next_position
                  FROM ${this.#table('dk_nodes')} p
                  WHERE p.conversation_id = ${conversationId} AND p.node_key = ${nodeKey(parentId)}`.execute(executor)
              ).rows[0]
            : undefined;
          if (parent === undefined) throw new NodeNotFoundError({ conversationId, nodeId: String(parentId) });
          parentSeq = parent.seq;
          position = Number(parent.next_position);
          id = childNodeId(parentId, position);
        }
        await sql`INSERT INTO ${this.#table('dk_nodes')} (conversation_id, parent_seq, position, node_key, role, content,
            name, tool_call_id, tool_calls, metadata, prompt_name, branch_name, created_at)
          VALUES (${conversationId}, ${parentSeq}, ${position}, ${nodeKey(id)}, ${node.role}, ${node.content},
            ${node.name}, ${node.toolCallId},
            ${node.toolCallsJson === null ? null : this.#dialect.jsonParameter(node.toolCallsJson)},
            ${this.#dialect.jsonParameter(node.metadataJson)}, ${node.promptName}, ${node.branchName}, ${node.createdAt})`.execute(
          executor,
        );
        await sql`UPDATE ${this.#table('dk_conversations')} SET node_count = node_count + 1, updated_at = ${now}
          ${moveCursor ? sql`, current_node_id = ${id}, version = version + 1` : sql``}
          WHERE id = ${conversationId}`.execute(executor);
        const stored = {
          conversationId,
          id,
          parentId,
          position,
          ...node,
        };
        return {
          node: materializeNode(stored),
          conversation: materializeRecord({
            id: conversationId,
            metadataJson: conversation.metadata,
            currentNodeId: moveCursor ? id : conversation.current_node_id,
            version: moveCursor ? version + 1 : version,
            nodeCount: Number(conversation.node_count) + 1,
            createdAt: Number(conversation.created_at),
            updatedAt: now,
          }),
        };
      });
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
      if (currentNodeId !== undefined) sets.push(sql`current_node_id = ${currentNodeId}`);
      if (metadataJson !== undefined) sets.push(sql`metadata = ${this.#dialect.jsonParameter(metadataJson)}`);
      const { rows } = await sql<ConversationRow>`UPDATE ${this.#table('dk_conversations')} SET ${sql.join(sets)}
        WHERE id = ${conversationId} AND version = ${expectedVersion}
        RETURNING ${this.#conversationColumns(null)}`.execute(this.#db);
      const updated = rows[0];
      if (updated !== undefined) return toRecord(updated);
      const now = await this.#readConversation(this.#db, conversationId);
      if (now === undefined) throw new ConversationNotFoundError({ conversationId });
      throw conflict(now.version);
    });
  }

  async #where(filter: NormalizedFilter, ordered: boolean): Promise<RawBuilder<SqlBool>> {
    const conditions: RawBuilder<SqlBool>[] = [];
    if (filter.metadata.length > 0) {
      conditions.push(await this.#dialect.metadataCondition(filter.metadata, { executor: this.#db, ordered }));
    }
    if (filter.createdAfter !== undefined) conditions.push(sql<SqlBool>`c.created_at >= ${filter.createdAfter}`);
    if (filter.createdBefore !== undefined) conditions.push(sql<SqlBool>`c.created_at < ${filter.createdBefore}`);
    if (filter.updatedAfter !== undefined) conditions.push(sql<SqlBool>`c.updated_at >= ${filter.updatedAfter}`);
    if (filter.updatedBefore !== undefined) conditions.push(sql<SqlBool>`c.updated_at < ${filter.updatedBefore}`);
    if (filter.tokens !== undefined) conditions.push(this.#dialect.textCondition(filter.tokens));
    return conditions.length === 0 ? sql<SqlBool>`1 = 1` : sql<SqlBool>`${sql.join(conditions, sql` AND `)}`;
  }

  async #page(options: NormalizedListOptions): Promise<ConversationPage> {
    const { filter, sortBy, sortOrder, limit, offset, cursor } = options;
    const column = sql.ref(`c.${sortColumns[sortBy]}`);
    const direction = sql.raw(sortOrder === 'asc' ? 'ASC' : 'DESC');
    const comparison = sql.raw(sortOrder === 'asc' ? '>' : '<');
    const conditions = [await this.#where(filter, true)];
    if (cursor !== undefined) {
      conditions.push(
        sortBy === 'id'
          ? sql<SqlBool>`c.id ${comparison} ${cursor.id}`
          : sql<SqlBool>`(${column}, c.id) ${comparison} (${cursor.value}, ${cursor.id})`,
      );
    }
    const { rows } = await sql<ConversationRow>`SELECT ${this.#conversationColumns('c')}
      FROM ${this.#table('dk_conversations')} c WHERE ${sql.join(conditions, sql` AND `)}
      ORDER BY ${column} ${direction}${sortBy === 'id' ? sql`` : sql`, c.id ${direction}`}
      LIMIT ${limit + 1} OFFSET ${offset}`.execute(this.#db);
    const items = rows.slice(0, limit).map(toRecord);
    const last = items.at(-1);
    return {
      items,
      nextCursor:
        rows.length > limit && last !== undefined
          ? encodePageCursor({
              sortBy,
              sortOrder,
              value: sortBy === 'id' ? last.id : last[sortBy].getTime(),
              id: last.id,
            })
          : null,
    };
  }

  async list(options?: ListConversationsOptions): Promise<ConversationPage> {
    return this.#run('list', () => this.#page(normalizeListOptions(options)));
  }

  async count(options?: ConversationFilter): Promise<number> {
    return this.#run('count', async () => {
      const filter = normalizeFilter(options);
      const { rows } = await sql<{ total: Count }>`SELECT count(*) AS total FROM ${this.#table('dk_conversations')} c
        WHERE ${await this.#where(filter, false)}`.execute(this.#db);
      return Number(rows[0]?.total ?? 0);
    });
  }

  async search(options: SearchConversationsOptions): Promise<ConversationPage> {
    return this.#run('search', () => this.#page(normalizeListOptions(options, { requireText: true })));
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
        (SELECT c.id FROM ${this.#table('dk_conversations')} c WHERE ${await this.#where(filter, false)})`.execute(
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

  async close(): Promise<void> {
    if (this.#closing === undefined) {
      this.#closed = true;
      this.#closing = (async () => {
        await this.#ready?.catch(() => undefined);
        await this.#release?.();
      })();
    }
    await this.#closing;
  }
}
