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
  checkSettings,
  childNodeId,
  compareText,
  encodePageCursor,
  isNodeId,
  materializeNode,
  materializeRecord,
  normalizeCreateOptions,
  normalizeFilter,
  normalizeListOptions,
  normalizeNewNode,
  OperationGate,
  searchTokens,
  serializeMetadata,
} from '@dk/storage-utils';
import type { NormalizedFilter, NormalizedListOptions, StoredNode, StoredRecord } from '@dk/storage-utils';

/** Settings of {@link MemoryConversationStore}. */
export interface MemoryConversationStoreSettings {
  /** Clock used for `createdAt`/`updatedAt`. Default `() => new Date()`; inject one for deterministic tests. */
  readonly now?: () => Date;
  /** Generator of conversation ids when `create` gets none. Default `crypto.randomUUID`. */
  readonly generateId?: () => string;
}

/** A stored node with its tree links (object references, so walking never hashes ids). */
interface MemoryNode {
  readonly stored: StoredNode;
  readonly parent: MemoryNode | null;
  readonly children: MemoryNode[];
}

interface MemoryConversation {
  record: StoredRecord;
  /** Parsed metadata for filtering; never handed out (callers get fresh copies). */
  metadata: Record<string, unknown>;
  root: MemoryNode | undefined;
  /** Index of nodes with short ids; deeper nodes are found by walking positions. */
  readonly shortIds: Map<string, MemoryNode>;
  /** The last appended node and the cursor: where the next append usually goes. */
  recent: MemoryNode | undefined;
  cursor: MemoryNode | undefined;
  readonly order: StoredNode[];
}

/**
 * Ids up to this length are indexed in a map. Ids grow with depth (two characters per
 * level), and hashing them on every append would make a turn's cost grow with the
 * conversation, so longer ones are resolved by identity with the last appended node or the
 * cursor, or else by walking child positions from the root.
 */
const maxIndexedIdLength = 200;

function hasOwnValue(metadata: Record<string, unknown>, key: string, value: unknown): boolean {
  return Object.hasOwn(metadata, key) && metadata[key] === value;
}

/**
 * The reference `ConversationStore`: complete, deterministic, in process memory.
 *
 * Everything going in is validated and serialised, everything coming out is a fresh copy,
 * so callers cannot corrupt stored state. Appending a node is O(1) in the conversation's
 * size: it never copies the tree. Data is lost when the process exits.
 */
export class MemoryConversationStore implements ConversationStore {
  readonly specificationVersion = 'v1' as const;
  readonly provider: string = 'memory';

  readonly #conversations = new Map<string, MemoryConversation>();
  readonly #now: () => Date;
  readonly #generateId: () => string;
  readonly #gate = new OperationGate({ provider: 'memory' });

  /**
   * @throws {InvalidOptionsError} for an unknown setting (with the name it most likely meant).
   * @throws {StoreSettingsError} for a setting of the wrong type.
   */
  constructor(settings: MemoryConversationStoreSettings = {}) {
    const check = checkSettings({ provider: 'memory', component: 'MemoryConversationStore' }, settings, [
      'now',
      'generateId',
    ]);
    this.#now = check.callback<() => Date>('now', settings?.now) ?? (() => new Date());
    this.#generateId = check.callback<() => string>('generateId', settings?.generateId) ?? randomUUID;
  }

  #open(operation: string): void {
    // Every operation runs to completion synchronously, so there is never one to drain.
    this.#gate.assertOpen(operation);
  }

  #timestamp(): number {
    return this.#now().getTime();
  }

  #require(conversationId: string): MemoryConversation {
    const conversation = this.#conversations.get(conversationId);
    if (conversation === undefined) throw new ConversationNotFoundError({ conversationId });
    return conversation;
  }

  #findNode(conversation: MemoryConversation, nodeId: unknown): MemoryNode | undefined {
    if (typeof nodeId !== 'string') return undefined;
    if (nodeId.length <= maxIndexedIdLength) return conversation.shortIds.get(nodeId);
    // Comparing with a string of another length is immediate; the caller usually passes
    // back the very id it was given.
    if (conversation.recent?.stored.id === nodeId) return conversation.recent;
    if (conversation.cursor?.stored.id === nodeId) return conversation.cursor;
    if (!isNodeId(nodeId)) return undefined;
    let node = conversation.root;
    for (const segment of nodeId.split('.')) node = node?.children[Number(segment)];
    return node;
  }

  #requireNode(conversation: MemoryConversation, nodeId: unknown): MemoryNode {
    const node = this.#findNode(conversation, nodeId);
    if (node === undefined) {
      throw new NodeNotFoundError({ conversationId: conversation.record.id, nodeId: String(nodeId) });
    }
    return node;
  }

  async create(options?: CreateConversationOptions): Promise<ConversationRecord> {
    this.#open('create');
    const normalized = normalizeCreateOptions(options, { generateId: this.#generateId, now: this.#timestamp() });
    if (this.#conversations.has(normalized.id)) throw new ConversationExistsError({ conversationId: normalized.id });
    const record: StoredRecord = {
      id: normalized.id,
      metadataJson: normalized.metadataJson,
      currentNodeId: null,
      version: 1,
      nodeCount: 0,
      createdAt: normalized.createdAt,
      updatedAt: normalized.createdAt,
    };
    this.#conversations.set(normalized.id, {
      record,
      metadata: JSON.parse(normalized.metadataJson),
      root: undefined,
      shortIds: new Map(),
      recent: undefined,
      cursor: undefined,
      order: [],
    });
    return materializeRecord(record);
  }

  async get({ conversationId }: ConversationReference): Promise<ConversationRecord | undefined> {
    this.#open('get');
    const conversation = this.#conversations.get(checkConversationId(conversationId));
    return conversation === undefined ? undefined : materializeRecord(conversation.record);
  }

  async load({ conversationId }: ConversationReference): Promise<ConversationTree | undefined> {
    this.#open('load');
    const conversation = this.#conversations.get(checkConversationId(conversationId));
    if (conversation === undefined) return undefined;
    return { conversation: materializeRecord(conversation.record), nodes: conversation.order.map(materializeNode) };
  }

  async getNode({ conversationId, nodeId }: NodeReference): Promise<ConversationNode | undefined> {
    this.#open('getNode');
    const conversation = this.#conversations.get(checkConversationId(conversationId));
    const node = conversation === undefined ? undefined : this.#findNode(conversation, nodeId);
    return node === undefined ? undefined : materializeNode(node.stored);
  }

  async getPath({ conversationId, nodeId }: NodeReference): Promise<readonly ConversationNode[]> {
    this.#open('getPath');
    const conversation = this.#require(checkConversationId(conversationId));
    const path: ConversationNode[] = [];
    for (let node: MemoryNode | null = this.#requireNode(conversation, nodeId); node !== null; node = node.parent) {
      path.push(materializeNode(node.stored));
    }
    return path.reverse();
  }

  async getChildren({ conversationId, nodeId }: NodeReference): Promise<readonly ConversationNode[]> {
    this.#open('getChildren');
    const conversation = this.#require(checkConversationId(conversationId));
    const parent = this.#requireNode(conversation, nodeId);
    return parent.children.map((child) => materializeNode(child.stored));
  }

  async appendNode(options: AppendNodeOptions): Promise<AppendNodeResult> {
    this.#open('appendNode');
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
    const now = this.#timestamp();
    const normalized = normalizeNewNode(options.node, now);
    const conversation = this.#require(conversationId);
    const record = conversation.record;
    if (expectedVersion !== undefined && expectedVersion !== record.version) {
      throw new ConversationConflictError({ conversationId, expectedVersion, actualVersion: record.version });
    }
    let id: string;
    let position: number;
    let parent: MemoryNode | null = null;
    if (parentId === null) {
      if (conversation.root !== undefined) {
        throw new InvalidNodeError({
          field: 'parentId',
          reason: `conversation "${conversationId}" already has a root node; append under an existing node id instead of null.`,
        });
      }
      id = '';
      position = 0;
    } else {
      parent = this.#requireNode(conversation, parentId);
      position = parent.children.length;
      id = childNodeId(parent.stored.id, position);
    }
    const stored: StoredNode = { ...normalized, conversationId, id, parentId: parent?.stored.id ?? null, position };
    const node: MemoryNode = { stored, parent, children: [] };
    if (parent === null) conversation.root = node;
    else parent.children.push(node);
    if (id.length <= maxIndexedIdLength) conversation.shortIds.set(id, node);
    conversation.order.push(stored);
    conversation.recent = node;
    if (moveCursor) conversation.cursor = node;
    conversation.record = {
      ...record,
      nodeCount: record.nodeCount + 1,
      updatedAt: now,
      ...(moveCursor ? { currentNodeId: id, version: record.version + 1 } : {}),
    };
    return { node: materializeNode(stored), conversation: materializeRecord(conversation.record) };
  }

  async updateConversation(options: UpdateConversationOptions): Promise<ConversationRecord> {
    this.#open('updateConversation');
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
    const conversation = this.#require(conversationId);
    const record = conversation.record;
    if (expectedVersion !== record.version) {
      throw new ConversationConflictError({ conversationId, expectedVersion, actualVersion: record.version });
    }
    const cursor = currentNodeId === undefined ? undefined : this.#requireNode(conversation, currentNodeId);
    if (currentNodeId === undefined && metadataJson === undefined) return materializeRecord(record);
    if (cursor !== undefined) conversation.cursor = cursor;
    conversation.record = {
      ...record,
      ...(cursor === undefined ? {} : { currentNodeId: cursor.stored.id }),
      ...(metadataJson === undefined ? {} : { metadataJson }),
      version: record.version + 1,
      updatedAt: this.#timestamp(),
    };
    if (metadataJson !== undefined) conversation.metadata = JSON.parse(metadataJson);
    return materializeRecord(conversation.record);
  }

  #matches(conversation: MemoryConversation, filter: NormalizedFilter): boolean {
    const { record, metadata } = conversation;
    if (filter.createdAfter !== undefined && record.createdAt < filter.createdAfter) return false;
    if (filter.createdBefore !== undefined && record.createdAt >= filter.createdBefore) return false;
    if (filter.updatedAfter !== undefined && record.updatedAt < filter.updatedAfter) return false;
    if (filter.updatedBefore !== undefined && record.updatedAt >= filter.updatedBefore) return false;
    for (const [key, value] of filter.metadata) if (!hasOwnValue(metadata, key, value)) return false;
    const tokens = filter.tokens;
    if (tokens !== undefined) {
      return conversation.order.some((node) => {
        const words = new Set(searchTokens(node.content));
        return tokens.every((token) => words.has(token));
      });
    }
    return true;
  }

  #page(options: NormalizedListOptions): ConversationPage {
    const { filter, sortBy, sortOrder, limit, offset, cursor } = options;
    const direction = sortOrder === 'asc' ? 1 : -1;
    const keyOf = (record: StoredRecord): number | string => (sortBy === 'id' ? record.id : record[sortBy]);
    const compare = (left: StoredRecord, right: StoredRecord): number => {
      const a = keyOf(left);
      const b = keyOf(right);
      const byKey =
        typeof a === 'number' && typeof b === 'number' ? Math.sign(a - b) : compareText(String(a), String(b));
      return direction * (byKey !== 0 ? byKey : compareText(left.id, right.id));
    };
    let rows = [...this.#conversations.values()]
      .filter((conversation) => this.#matches(conversation, filter))
      .map((conversation) => conversation.record)
      .sort(compare);
    if (cursor !== undefined) {
      const after = { id: cursor.id, createdAt: cursor.value, updatedAt: cursor.value } as unknown as StoredRecord;
      rows = rows.filter((record) => compare(record, after) > 0);
    }
    const page = rows.slice(offset, offset + limit);
    const last = page.at(-1);
    const hasMore = rows.length > offset + limit;
    return {
      items: page.map(materializeRecord),
      nextCursor:
        hasMore && last !== undefined ? encodePageCursor({ sortBy, sortOrder, value: keyOf(last), id: last.id }) : null,
    };
  }

  async list(options?: ListConversationsOptions): Promise<ConversationPage> {
    this.#open('list');
    return this.#page(normalizeListOptions(options));
  }

  async count(options?: ConversationFilter): Promise<number> {
    this.#open('count');
    const filter = normalizeFilter(options);
    let total = 0;
    for (const conversation of this.#conversations.values()) if (this.#matches(conversation, filter)) total += 1;
    return total;
  }

  async search(options: SearchConversationsOptions): Promise<ConversationPage> {
    this.#open('search');
    return this.#page(normalizeListOptions(options, { requireText: true }));
  }

  async delete({ conversationId }: ConversationReference): Promise<boolean> {
    this.#open('delete');
    return this.#conversations.delete(checkConversationId(conversationId));
  }

  async deleteMany(options: ConversationFilter): Promise<number> {
    this.#open('deleteMany');
    const filter = normalizeFilter(options, { requireCondition: true });
    const doomed = [...this.#conversations.values()].filter((conversation) => this.#matches(conversation, filter));
    for (const conversation of doomed) this.#conversations.delete(conversation.record.id);
    return doomed.length;
  }

  async ping(): Promise<void> {
    this.#open('ping');
  }

  /** Refuses later operations (`StoreClosedError`) and drops every conversation. Idempotent. */
  async close(): Promise<void> {
    await this.#gate.close();
    this.#conversations.clear();
  }
}
