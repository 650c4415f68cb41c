import type { ConversationMetadata, ConversationNode, NewConversationNode } from './conversation-node.js';
import type { ConversationRecord, ConversationTree } from './conversation-record.js';

/** A value a metadata equality filter can compare with: a JSON primitive. */
export type ConversationMetadataValue = string | number | boolean | null;

/** Identifies one conversation. */
export interface ConversationReference {
  /** The conversation id. */
  readonly conversationId: string;
}

/** Identifies one node of one conversation. */
export interface NodeReference extends ConversationReference {
  /** The node's dot-path id (`""` is the root). */
  readonly nodeId: string;
}

/** Options of {@link ConversationStore.create}. */
export interface CreateConversationOptions {
  /** Conversation id. Default: a random UUID. 1–255 characters. */
  readonly id?: string;
  /** Conversation-level metadata. Default `{}`. */
  readonly metadata?: ConversationMetadata;
  /** Creation time. Default: now. Importers pass the original time. */
  readonly createdAt?: Date;
}

/** Options of {@link ConversationStore.appendNode}. */
export interface AppendNodeOptions extends ConversationReference {
  /** Id of the parent node, or `null` to add the root of an empty conversation. */
  readonly parentId: string | null;
  /** The message to store. */
  readonly node: NewConversationNode;
  /** Also move the cursor to the new node in the same write (bumps `version`). Default `false`. */
  readonly moveCursor?: boolean;
  /**
   * When set, the append succeeds only if the conversation's version still equals it;
   * otherwise it fails with `ConversationConflictError` and writes nothing.
   */
  readonly expectedVersion?: number;
}

/** Result of {@link ConversationStore.appendNode}. */
export interface AppendNodeResult {
  /** The stored node with its allocated id. */
  readonly node: ConversationNode;
  /** The conversation record after the append. */
  readonly conversation: ConversationRecord;
}

/** Options of {@link ConversationStore.updateConversation}. */
export interface UpdateConversationOptions extends ConversationReference {
  /** The version the caller last read; a mismatch fails with `ConversationConflictError`. */
  readonly expectedVersion: number;
  /** New cursor; must be an existing node id. */
  readonly currentNodeId?: string;
  /** New conversation metadata; replaces the old metadata entirely. */
  readonly metadata?: ConversationMetadata;
}

/**
 * Which conversations a list, count, search or bulk delete applies to. All given
 * conditions must hold. Time bounds are half-open: `…After` is inclusive, `…Before`
 * exclusive.
 */
export interface ConversationFilter {
  /**
   * Equality on top-level metadata keys (AND-ed). A `null` value matches a key that is
   * present with value `null`. Keys: 1–128 characters of letters, digits, `_`, `-`, `.`, `:`.
   */
  readonly metadata?: Readonly<Record<string, ConversationMetadataValue>>;
  /** Created at or after this time. */
  readonly createdAfter?: Date;
  /** Created strictly before this time. */
  readonly createdBefore?: Date;
  /** Last updated at or after this time. */
  readonly updatedAfter?: Date;
  /** Last updated strictly before this time. */
  readonly updatedBefore?: Date;
  /**
   * Full-text condition: some single node of the conversation (any branch) contains every
   * word of this text, case-insensitively. Words are runs of letters and digits; the
   * exact tokenisation of punctuation follows the provider's text search.
   */
  readonly text?: string;
}

/** The fields conversations can be sorted by. */
export type ConversationSortField = 'createdAt' | 'updatedAt' | 'id';

/** Options of {@link ConversationStore.list}. */
export interface ListConversationsOptions extends ConversationFilter {
  /** Sort key. Default `'updatedAt'`; ties are broken by `id` in the same direction. */
  readonly sortBy?: ConversationSortField;
  /** Sort direction. Default `'desc'`. */
  readonly sortOrder?: 'asc' | 'desc';
  /** Page size, 1–1000. Default 100. */
  readonly limit?: number;
  /** Rows to skip (offset pagination). Cannot be combined with `cursor`. */
  readonly offset?: number;
  /** `nextCursor` of the previous page (keyset pagination, stable under inserts). */
  readonly cursor?: string;
}

/** Options of {@link ConversationStore.search}: a list whose `text` is required. */
export interface SearchConversationsOptions extends ListConversationsOptions {
  /** Words that one node of a matching conversation must all contain. */
  readonly text: string;
}

/** One page of conversations. */
export interface ConversationPage {
  /** The conversation records of this page, in the requested order. */
  readonly items: readonly ConversationRecord[];
  /** Pass as `cursor` to read the next page; `null` when this is the last page. */
  readonly nextCursor: string | null;
}

/**
 * Persistent storage of conversation trees, per node and append-only: adding a turn writes
 * the new node and the conversation's cursor, never rewrites the conversation, so its cost
 * does not grow with the conversation's size.
 *
 * Errors: `ConversationNotFoundError`, `NodeNotFoundError`, `ConversationConflictError`,
 * `ConversationExistsError`, `InvalidNodeError`, `InvalidFilterError`, `StoreClosedError`,
 * and `ConversationStoreError` for provider failures (the driver error kept as `cause`).
 */
export interface ConversationStore {
  /** Version of this contract the store implements. */
  readonly specificationVersion: 'v1';
  /** Short provider name for logs and health checks, e.g. `'memory'`, `'sqlite'`. */
  readonly provider: string;

  /** Creates an empty conversation; fails with `ConversationExistsError` if the id is taken. */
  create(options?: CreateConversationOptions): Promise<ConversationRecord>;
  /** The conversation record without its nodes, or `undefined` when it does not exist. */
  get(options: ConversationReference): Promise<ConversationRecord | undefined>;
  /** The whole tree, or `undefined` when the conversation does not exist. */
  load(options: ConversationReference): Promise<ConversationTree | undefined>;
  /** One node, or `undefined` when the conversation or the node does not exist. */
  getNode(options: NodeReference): Promise<ConversationNode | undefined>;
  /** The nodes from the root to `nodeId`, both included: the messages sent to a model. */
  getPath(options: NodeReference): Promise<readonly ConversationNode[]>;
  /** The children of `nodeId` in position order. */
  getChildren(options: NodeReference): Promise<readonly ConversationNode[]>;
  /**
   * Appends a node under `parentId`. The store allocates the next child id atomically:
   * concurrent appends under one parent (from any process) get distinct ids and none is lost.
   */
  appendNode(options: AppendNodeOptions): Promise<AppendNodeResult>;
  /** Moves the cursor and/or replaces the metadata, if `expectedVersion` still matches. */
  updateConversation(options: UpdateConversationOptions): Promise<ConversationRecord>;
  /** One page of conversation records matching the filter. */
  list(options?: ListConversationsOptions): Promise<ConversationPage>;
  /** Number of conversations matching the filter. */
  count(options?: ConversationFilter): Promise<number>;
  /** Conversations with a node whose content contains every word of `text`. */
  search(options: SearchConversationsOptions): Promise<ConversationPage>;
  /** Deletes a conversation and its nodes; `false` when it did not exist. */
  delete(options: ConversationReference): Promise<boolean>;
  /**
   * Deletes every conversation matching the filter and returns how many were deleted.
   * Refuses an empty filter with `InvalidFilterError` (use an explicit time bound to
   * delete everything).
   */
  deleteMany(options: ConversationFilter): Promise<number>;
  /** Resolves when the provider answers; rejects with `ConversationStoreError` otherwise. */
  ping(): Promise<void>;
  /** Releases the store's resources (and clients it created). Idempotent. */
  close(): Promise<void>;
}
