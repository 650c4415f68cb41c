import { SharedStateUnavailableError, checkMilliseconds } from '@dk/spec';
import { checkOptionValues } from '../check-option-values.js';
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
  KeyValueCache,
  ListConversationsOptions,
  NodeReference,
  SearchConversationsOptions,
  UpdateConversationOptions,
} from '@dk/spec';
import { ConversationInputError } from '../conversation-input-error.js';
import {
  decodeNodes,
  decodeRecord,
  decodeTree,
  encodeNodes,
  encodeRecord,
  encodeTree,
} from './conversation-cache-codec.js';
import { MemoryKeyValueCache } from './memory-key-value-cache.js';

/** Settings of a {@link CachingConversationStore}. */
export interface CachingConversationStoreSettings {
  /** The store of record; every write and every uncached read goes to it. */
  readonly store: ConversationStore;
  /**
   * Where cached reads live. Default: a `MemoryKeyValueCache` (this process only). Share one
   * (e.g. `@dk/redis`' `RedisKeyValueCache`) between app servers so that a write on one server
   * invalidates the entries every server reads.
   */
  readonly cache?: KeyValueCache;
  /** How long a cached read lives, in milliseconds. Default 60,000. */
  readonly ttlMs?: number;
  /**
   * Receives cache failures that the wrapper absorbed: an invalidation that did not reach the
   * cache after a write (the write itself succeeded). Default: ignored.
   */
  readonly onError?: (error: unknown) => void;
}

function hasCondition(filter: unknown): filter is ConversationFilter {
  if (typeof filter !== 'object' || filter === null) return false;
  return Object.values(filter).some(
    (value) =>
      value !== undefined &&
      !(typeof value === 'object' && value !== null && !(value instanceof Date) && Object.keys(value).length === 0),
  );
}

/** Conversation ids listed per page while collecting what a `deleteMany` will delete. */
const deletePageSize = 1000;

/**
 * The guide's "implement caching for frequent accesses": a {@link ConversationStore} that
 * caches `get`, `getPath` and `load` results of the store it wraps, per conversation, with a
 * TTL. Every write through it (`appendNode`, `updateConversation`, `create`, `delete`,
 * `deleteMany`) invalidates the conversation's entries by moving its cache group's version on,
 * so a read that starts after a write returned sees the write — on every server sharing the
 * cache. Other reads (`getNode`, `getChildren`, `list`, `count`, `search`) go to the store.
 *
 * Writes made to the wrapped store directly (not through a caching store) are not seen until
 * the TTL ends. When an invalidation cannot reach the cache (backend down), this process
 * retries it before its next read of that conversation and reads the store meanwhile; other
 * processes can read their cached entry until its TTL ends — keep `ttlMs` at the staleness
 * you accept.
 */
export class CachingConversationStore implements ConversationStore {
  readonly specificationVersion = 'v1';
  /** The wrapped store's provider. */
  readonly provider: string;
  readonly #store: ConversationStore;
  readonly #cache: KeyValueCache;
  readonly #ttlMs: number;
  readonly #onError: (error: unknown) => void;
  /** Conversations whose invalidation did not reach the cache. */
  readonly #pending = new Set<string>();
  #closed = false;

  constructor(settings: CachingConversationStoreSettings) {
    checkOptionValues(
      'CachingConversationStore',
      settings,
      { store: 'any', cache: 'any', ttlMs: 'any', onError: 'function' },
      'new CachingConversationStore({ store, cache })',
    );
    const { store, cache = new MemoryKeyValueCache(), ttlMs = 60_000, onError = () => {} } = settings;
    if (typeof store?.appendNode !== 'function' || typeof store.getPath !== 'function') {
      throw new ConversationInputError({ field: 'store', reason: 'must be a ConversationStore' });
    }
    if (typeof cache.get !== 'function' || typeof cache.invalidate !== 'function') {
      throw new ConversationInputError({ field: 'cache', reason: 'must be a KeyValueCache' });
    }
    checkMilliseconds('CachingConversationStore', 'ttlMs', ttlMs);
    this.provider = store.provider;
    this.#store = store;
    this.#cache = cache;
    this.#ttlMs = ttlMs;
    this.#onError = onError;
  }

  /** Reads through the cache: a current entry, else the store's answer (cached unless undefined or empty). */
  async #read<T>(
    conversationId: string,
    key: string,
    load: () => Promise<T | undefined>,
    encode: (value: T) => unknown,
    decode: (value: unknown) => T,
  ): Promise<T | undefined> {
    if (this.#closed || typeof conversationId !== 'string' || conversationId === '') return load();
    if (this.#pending.has(conversationId) && !(await this.#invalidate(conversationId))) return load();
    const found = await this.#cache.get({ group: conversationId, key });
    if (found.status === 'hit') return decode(found.value);
    const value = await load();
    if (value !== undefined && !(Array.isArray(value) && value.length === 0) && !found.degraded) {
      await this.#cache.set({
        group: conversationId,
        key,
        value: encode(value),
        ttlMs: this.#ttlMs,
        version: found.version!,
      });
    }
    return value;
  }

  /** Moves the conversation's cache version on; false (and remembered) when the cache did not confirm. */
  async #invalidate(conversationId: string): Promise<boolean> {
    if (typeof conversationId !== 'string' || conversationId === '') return true;
    let degraded: boolean;
    try {
      degraded = (await this.#cache.invalidate({ group: conversationId })).degraded;
    } catch (error) {
      if (!SharedStateUnavailableError.isInstance(error)) throw error;
      this.#onError(error);
      degraded = true;
    }
    if (degraded) this.#pending.add(conversationId);
    else this.#pending.delete(conversationId);
    return !degraded;
  }

  /** Runs a write, then invalidates the conversation whether or not the write reported success. */
  async #write<T>(conversationId: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } finally {
      if (!this.#closed) await this.#invalidate(conversationId);
    }
  }

  /** See {@link ConversationStore.create}. */
  async create(options?: CreateConversationOptions): Promise<ConversationRecord> {
    const record = await this.#store.create(options);
    // A conversation deleted earlier under the same id may have left entries behind.
    await this.#invalidate(record.id);
    return record;
  }

  /** See {@link ConversationStore.get}; cached. */
  get(options: ConversationReference): Promise<ConversationRecord | undefined> {
    return this.#read(options?.conversationId, 'record', () => this.#store.get(options), encodeRecord, decodeRecord);
  }

  /** See {@link ConversationStore.load}; cached. */
  load(options: ConversationReference): Promise<ConversationTree | undefined> {
    return this.#read(options?.conversationId, 'tree', () => this.#store.load(options), encodeTree, decodeTree);
  }

  /** See {@link ConversationStore.getPath}; cached. */
  async getPath(options: NodeReference): Promise<readonly ConversationNode[]> {
    if (typeof options?.nodeId !== 'string') return this.#store.getPath(options);
    const path = await this.#read(
      options.conversationId,
      `path:${options.nodeId}`,
      () => this.#store.getPath(options),
      encodeNodes,
      decodeNodes,
    );
    return path ?? [];
  }

  /** See {@link ConversationStore.getNode}; not cached. */
  getNode(options: NodeReference): Promise<ConversationNode | undefined> {
    return this.#store.getNode(options);
  }

  /** See {@link ConversationStore.getChildren}; not cached. */
  getChildren(options: NodeReference): Promise<readonly ConversationNode[]> {
    return this.#store.getChildren(options);
  }

  /** See {@link ConversationStore.appendNode}; invalidates the conversation's entries. */
  appendNode(options: AppendNodeOptions): Promise<AppendNodeResult> {
    return this.#write(options?.conversationId, () => this.#store.appendNode(options));
  }

  /** See {@link ConversationStore.updateConversation}; invalidates the conversation's entries. */
  updateConversation(options: UpdateConversationOptions): Promise<ConversationRecord> {
    return this.#write(options?.conversationId, () => this.#store.updateConversation(options));
  }

  /** See {@link ConversationStore.list}; not cached. */
  list(options?: ListConversationsOptions): Promise<ConversationPage> {
    return this.#store.list(options);
  }

  /** See {@link ConversationStore.count}; not cached. */
  count(options?: ConversationFilter): Promise<number> {
    return this.#store.count(options);
  }

  /** See {@link ConversationStore.search}; not cached. */
  search(options: SearchConversationsOptions): Promise<ConversationPage> {
    return this.#store.search(options);
  }

  /** See {@link ConversationStore.delete}; invalidates the conversation's entries. */
  delete(options: ConversationReference): Promise<boolean> {
    return this.#write(options?.conversationId, () => this.#store.delete(options));
  }

  /**
   * See {@link ConversationStore.deleteMany}. Lists the matching conversations first, then
   * deletes and invalidates them: a conversation that starts to match in between is deleted
   * too, and its cached entries (if any) live until their TTL ends.
   */
  async deleteMany(options: ConversationFilter): Promise<number> {
    const ids: string[] = [];
    // An empty filter is refused by the store; listing every conversation first would be waste.
    if (hasCondition(options)) {
      let cursor: string | undefined;
      do {
        const page = await this.#store.list({ ...options, sortBy: 'id', limit: deletePageSize, cursor });
        for (const record of page.items) ids.push(record.id);
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
    }
    const deleted = await this.#store.deleteMany(options);
    for (const id of ids) await this.#invalidate(id);
    return deleted;
  }

  /** See {@link ConversationStore.ping}: pings the wrapped store. */
  ping(): Promise<void> {
    return this.#store.ping();
  }

  /** Closes the wrapped store (not the cache, which may be shared). Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#store.close();
  }
}

/** Wraps `settings.store` in a {@link CachingConversationStore}. */
export function createCachingConversationStore(settings: CachingConversationStoreSettings): CachingConversationStore {
  return new CachingConversationStore(settings);
}
