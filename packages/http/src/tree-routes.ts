import type { ConversationRecord, ConversationStore } from '@dk/spec';
import { ConversationNotFoundError } from '@dk/spec';
import type { ConversationPool } from './conversation-pool.js';
import type { Caller } from './handler-options.js';
import { HttpError } from './http-error.js';
import { conversationSummary, treeView } from './node-view.js';
import { pathMessages } from './path-messages.js';
import type { DkUIMessage } from './ui-message.js';

/** The active path of a conversation as UI messages, with its cursor. */
export interface PathMessagesView {
  readonly conversationId: string;
  readonly title: string;
  readonly currentNodeId: string | null;
  readonly messages: readonly DkUIMessage[];
}

const nodeIdPattern = /^(|\d+(\.\d+)*)$/;

/** A node id from a request field, or a 400. */
export function requireNodeId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !nodeIdPattern.test(value))
    throw new HttpError({
      status: 400,
      code: 'INVALID_FIELD',
      message: `\`${field}\` must be a node id such as "0.1".`,
    });
  return value;
}

/** The tree API's reads and cursor moves, scoped to what the caller may see. */
export class TreeRoutes {
  readonly #storage: ConversationStore;
  readonly #pool: ConversationPool;
  readonly #scoped: boolean;

  constructor({
    storage,
    pool,
    scoped,
  }: {
    readonly storage: ConversationStore;
    readonly pool: ConversationPool;
    /** Callers see only conversations whose `metadata.userId` is theirs. */
    readonly scoped: boolean;
  }) {
    this.#storage = storage;
    this.#pool = pool;
    this.#scoped = scoped;
  }

  /** The conversation record, or 404 (also for another user's conversation). */
  async require(conversationId: string, caller: Caller): Promise<ConversationRecord> {
    const record = await this.#storage.get({ conversationId });
    if (record === undefined || (this.#scoped && record.metadata['userId'] !== caller.userId))
      throw new ConversationNotFoundError({ conversationId });
    return record;
  }

  /** Whether the conversation exists (and is the caller's); a 404 for another user's. */
  async exists(conversationId: string, caller: Caller): Promise<boolean> {
    const record = await this.#storage.get({ conversationId });
    if (record === undefined) return false;
    if (this.#scoped && record.metadata['userId'] !== caller.userId)
      throw new ConversationNotFoundError({ conversationId });
    return true;
  }

  async list(caller: Caller, limit: number) {
    const page = await this.#storage.list({
      sortBy: 'updatedAt',
      sortOrder: 'desc',
      limit,
      ...(this.#scoped ? { metadata: { userId: caller.userId } } : {}),
    });
    return { conversations: page.items.map(conversationSummary) };
  }

  async tree(conversationId: string, caller: Caller) {
    await this.require(conversationId, caller);
    const tree = await this.#storage.load({ conversationId });
    if (tree === undefined) throw new ConversationNotFoundError({ conversationId });
    return treeView(tree.conversation, tree.nodes);
  }

  /** The active path as UI messages (what `useChat({ messages })` starts from). */
  async messages(conversationId: string, caller: Caller): Promise<PathMessagesView> {
    await this.require(conversationId, caller);
    return this.#pool.run(conversationId, async (manager) => {
      const pending = await manager.getPendingToolCalls();
      const tree = await this.#storage.load({ conversationId });
      if (tree === undefined) throw new ConversationNotFoundError({ conversationId });
      return {
        conversationId,
        title: conversationSummary(tree.conversation).title,
        currentNodeId: tree.conversation.currentNodeId,
        messages: pathMessages({ conversationId, nodes: tree.nodes, cursor: tree.conversation.currentNodeId, pending }),
      };
    });
  }

  /**
   * Moves the cursor to `nodeId`; with `descend` (default) on down its most recent
   * descendants to a leaf — what a `‹ n/m ›` switcher shows: that version and what followed it.
   */
  async switchTo(conversationId: string, caller: Caller, nodeId: string, descend: boolean): Promise<PathMessagesView> {
    await this.require(conversationId, caller);
    await this.#pool.run(conversationId, async (manager) => {
      let target = nodeId;
      if (descend) {
        for (;;) {
          const children = await this.#storage.getChildren({ conversationId, nodeId: target });
          const latest = children.reduce<(typeof children)[number] | undefined>(
            (best, child) => (best === undefined || child.createdAt >= best.createdAt ? child : best),
            undefined,
          );
          if (latest === undefined) break;
          target = latest.id;
        }
      }
      if (manager.state.currentNodeId !== target) await manager.switchToNode(target);
    });
    return this.messages(conversationId, caller);
  }

  async branches(conversationId: string, caller: Caller, nodeId: string | undefined) {
    await this.require(conversationId, caller);
    return { branches: await this.#pool.run(conversationId, (manager) => manager.getBranches(nodeId)) };
  }

  async delete(conversationId: string, caller: Caller): Promise<void> {
    await this.require(conversationId, caller);
    await this.#pool.run(conversationId, async () => {
      await this.#storage.delete({ conversationId });
    });
    this.#pool.forget(conversationId);
  }
}
