import { ConversationManager } from '@dk/conversations';
import type { BranchInfo } from '@dk/conversations';
import { ConversationConflictError, ConversationNotFoundError } from '@dk/spec';
import type { ConversationNode, ConversationRecord } from '@dk/spec';
import type { DemoApp } from '../compose/demo-app.js';
import type { ConversationSummaryView, TreeNodeView, TreeView, TurnOptions, TurnResult } from './chat-types.js';

function titleOf(record: ConversationRecord): string {
  const title = record.metadata['title'];
  return typeof title === 'string' && title !== '' ? title : 'New conversation';
}

function textOf(node: ConversationNode): string {
  const question = node.metadata['question'];
  return typeof question === 'string' ? question : node.content;
}

/** Conversations whose manager (and active path) stay in memory. */
const maxCachedManagers = 200;

/**
 * The chat use cases shared by the terminal and the web front ends: conversations, turns
 * (streamed), the tree, branches, edits and regeneration. Turns on one conversation run one
 * at a time; {@link ChatService.drain} waits for all of them (graceful shutdown).
 */
export class ChatService {
  readonly #app: DemoApp;
  readonly #managers = new Map<string, Promise<ConversationManager>>();
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(app: DemoApp) {
    this.#app = app;
  }

  /** Operations running now (turns, edits, switches). */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  #settings() {
    return {
      llm: this.#app.llm,
      storage: this.#app.storage,
      promptBuilder: this.#app.promptBuilder,
      middleware: this.#app.middleware,
    };
  }

  /**
   * Runs `body` after the previous operation on the same conversation, and tracks it for
   * {@link drain}. When another process wrote the conversation meanwhile (a conflict), the
   * cached manager is dropped so the next operation starts from the stored state.
   */
  #exclusive<T>(conversationId: string, body: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(conversationId) ?? Promise.resolve();
    const guarded = async (): Promise<T> => {
      try {
        return await body();
      } catch (error) {
        if (ConversationConflictError.isInstance(error)) this.#managers.delete(conversationId);
        throw error;
      }
    };
    const run = previous.then(guarded, guarded);
    const tail = run.catch(() => undefined);
    this.#locks.set(conversationId, tail);
    this.#inFlight.add(tail);
    void tail.then(() => {
      this.#inFlight.delete(tail);
      if (this.#locks.get(conversationId) === tail) this.#locks.delete(conversationId);
    });
    return run;
  }

  async #manager(conversationId: string): Promise<ConversationManager> {
    let manager = this.#managers.get(conversationId);
    if (manager === undefined) {
      manager = ConversationManager.resume({ ...this.#settings(), conversationId });
      this.#remember(conversationId, manager);
      manager.catch(() => this.#managers.delete(conversationId));
    }
    return manager;
  }

  /** Caches a manager, forgetting the least recently opened beyond {@link maxCachedManagers}. */
  #remember(conversationId: string, manager: Promise<ConversationManager>): void {
    this.#managers.delete(conversationId);
    this.#managers.set(conversationId, manager);
    if (this.#managers.size > maxCachedManagers) {
      const oldest = this.#managers.keys().next().value;
      if (oldest !== undefined && !this.#locks.has(oldest)) this.#managers.delete(oldest);
    }
  }

  /** Starts a conversation rooted in the configured system prompt. */
  async create(options: { readonly userId?: string; readonly title?: string } = {}): Promise<ConversationSummaryView> {
    const manager = await ConversationManager.create({
      ...this.#settings(),
      systemPromptName: this.#app.config.prompts.systemPrompt,
      metadata: { userId: options.userId ?? 'local', ...(options.title === undefined ? {} : { title: options.title }) },
    });
    this.#remember(manager.conversationId, Promise.resolve(manager));
    const state = manager.state;
    return {
      id: state.conversationId,
      title: options.title ?? 'New conversation',
      nodeCount: state.nodeCount,
      currentNodeId: state.currentNodeId,
      updatedAt: new Date().toISOString(),
    };
  }

  /** The most recently updated conversations. */
  async list(limit = 20): Promise<ConversationSummaryView[]> {
    const page = await this.#app.storage.list({ sortBy: 'updatedAt', sortOrder: 'desc', limit });
    return page.items.map((record) => ({
      id: record.id,
      title: titleOf(record),
      nodeCount: record.nodeCount,
      currentNodeId: record.currentNodeId,
      updatedAt: record.updatedAt.toISOString(),
    }));
  }

  /** Throws `ConversationNotFoundError` unless the conversation exists. */
  async require(conversationId: string): Promise<ConversationRecord> {
    const record = await this.#app.storage.get({ conversationId });
    if (record === undefined) throw new ConversationNotFoundError({ conversationId });
    return record;
  }

  /** The whole tree with the active path marked. */
  async tree(conversationId: string): Promise<TreeView> {
    const tree = await this.#app.storage.load({ conversationId });
    if (tree === undefined) throw new ConversationNotFoundError({ conversationId });
    const cursor = tree.conversation.currentNodeId;
    const active = new Set<string>();
    if (cursor !== null)
      for (let id = cursor; ; id = id.includes('.') ? id.slice(0, id.lastIndexOf('.')) : '') {
        active.add(id);
        if (id === '') break;
      }
    const nodes: TreeNodeView[] = tree.nodes.map((node) => ({
      id: node.id,
      parentId: node.parentId,
      role: node.role,
      text: textOf(node),
      branchName: node.branchName ?? null,
      active: active.has(node.id),
      interrupted: node.metadata['interrupted'] === true,
      editedFrom: typeof node.metadata['editedFrom'] === 'string' ? node.metadata['editedFrom'] : null,
      createdAt: node.createdAt.toISOString(),
    }));
    return { id: conversationId, title: titleOf(tree.conversation), currentNodeId: cursor, nodes };
  }

  /** The children of `nodeId` (default: the cursor). */
  async branches(conversationId: string, nodeId?: string): Promise<readonly BranchInfo[]> {
    return (await this.#manager(conversationId)).getBranches(nodeId);
  }

  /** Moves the cursor to `nodeId`. */
  async switchTo(conversationId: string, nodeId: string): Promise<void> {
    await this.#exclusive(conversationId, async () => (await this.#manager(conversationId)).switchToNode(nodeId));
  }

  /** Adds the user's message (rendered through the chat prompt, with RAG) and streams the answer. */
  async send(conversationId: string, text: string, options: TurnOptions = {}): Promise<TurnResult> {
    return this.#exclusive(conversationId, async () => {
      const manager = await this.#manager(conversationId);
      const node = await this.#addUserMessage(manager, text, {}, options.signal);
      return this.#answer(manager, node.id, options);
    });
  }

  /**
   * Edits `nodeId` into a new branch: a user message is re-rendered as a sibling and answered
   * (streamed); any other message is stored as an edited sibling without a model call.
   */
  async edit(
    conversationId: string,
    nodeId: string,
    text: string,
    options: TurnOptions = {},
  ): Promise<TurnResult | { readonly nodeId: string }> {
    return this.#exclusive(conversationId, async () => {
      const manager = await this.#manager(conversationId);
      const original = await this.#app.storage.getNode({ conversationId, nodeId });
      if (original?.role === 'user') {
        await manager.branchFrom(nodeId);
        const node = await this.#addUserMessage(manager, text, { editedFrom: nodeId }, options.signal);
        return this.#answer(manager, node.id, options);
      }
      return { nodeId: (await manager.editMessage(nodeId, text)).id };
    });
  }

  /** Answers the question under the cursor again, as a new sibling answer (streamed). */
  async regenerate(conversationId: string, options: TurnOptions = {}): Promise<TurnResult> {
    return this.#exclusive(conversationId, async () => {
      const manager = await this.#manager(conversationId);
      const nodes = manager.state.getCurrentNodes();
      const cursor = nodes.at(-1);
      if (cursor?.role === 'assistant' && cursor.parentId !== null) await manager.switchToNode(cursor.parentId);
      const result = await this.#answer(manager, null, options);
      return result;
    });
  }

  /** Waits until every running operation has finished. */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /**
   * Graceful stop: every open conversation's manager refuses new turns and waits up to
   * `timeoutMs` for its turns in flight; turns still running then are cut off and keep what
   * they have (a streamed answer becomes an `interrupted` node). Resolves when all
   * operations are over, so the store can be closed without losing an answer.
   */
  async close(timeoutMs: number): Promise<{ readonly cutOff: boolean }> {
    const started = performance.now();
    const managers = await Promise.allSettled([...this.#managers.values()]);
    await Promise.all(
      managers.map((result) => (result.status === 'fulfilled' ? result.value.close({ timeoutMs }) : Promise.resolve())),
    );
    const cutOff = performance.now() - started >= timeoutMs;
    await this.drain();
    return { cutOff };
  }

  async #addUserMessage(
    manager: ConversationManager,
    text: string,
    metadata: Readonly<Record<string, unknown>>,
    signal: AbortSignal | undefined,
  ): Promise<ConversationNode> {
    if (manager.state.metadata['title'] === undefined) await manager.updateMetadata({ title: text.slice(0, 60) });
    return manager.addMessage({
      role: 'user',
      promptName: this.#app.config.prompts.userPrompt,
      params: { question: text },
      metadata: { question: text, ...metadata },
      ...(signal === undefined ? {} : { signal }),
    });
  }

  async #answer(manager: ConversationManager, userNodeId: string | null, options: TurnOptions): Promise<TurnResult> {
    let content = '';
    let usage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
    for await (const part of manager.stream(options.signal === undefined ? {} : { signal: options.signal })) {
      if (part.type === 'text-delta') {
        content += part.text;
        options.onDelta?.(part.text);
      } else if (part.type === 'end' && part.usage !== undefined) usage = { ...part.usage };
    }
    return { userNodeId, assistantNodeId: manager.state.currentNodeId ?? '', content, usage };
  }
}
