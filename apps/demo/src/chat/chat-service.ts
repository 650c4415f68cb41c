import { ConversationPool, treeView, userTextKey } from '@dk/http';
import type { TreeView } from '@dk/http';
import type { BranchInfo, ConversationManager } from '@dk/conversations';
import { ConversationNotFoundError } from '@dk/spec';
import type { ConversationRecord } from '@dk/spec';
import type { DemoApp } from '../compose/demo-app.js';
import type { ConversationSummaryView, PendingCall, TurnOptions, TurnResult } from './chat-types.js';

function titleOf(record: ConversationRecord): string {
  const title = record.metadata['title'];
  return typeof title === 'string' && title !== '' ? title : 'New conversation';
}

/** A conversation id given by a prefix matched no conversation, or several. */
class AmbiguousConversationError extends Error {
  override readonly name = 'AmbiguousConversationError';
}

/**
 * The chat use cases of the terminal: conversations, turns (streamed), the tree, branches,
 * edits, regeneration and tool approvals. Conversations are held by `@dk/http`'s
 * {@link ConversationPool}: one operation at a time per conversation, drained on close.
 */
export class ChatService {
  readonly #app: DemoApp;
  readonly #pool: ConversationPool;

  constructor(app: DemoApp) {
    this.#app = app;
    this.#pool = new ConversationPool({ managers: app.managerSettings });
  }

  /** Operations running now (turns, edits, switches). */
  get inFlight(): number {
    return this.#pool.inFlight;
  }

  /** Starts a conversation rooted in the configured system prompt. */
  async create(options: { readonly userId?: string; readonly title?: string } = {}): Promise<ConversationSummaryView> {
    const manager = await this.#pool.create({
      systemPromptName: this.#app.config.prompts.systemPrompt,
      metadata: { userId: options.userId ?? 'local', ...(options.title === undefined ? {} : { title: options.title }) },
    });
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

  /** The conversation whose id is `idOrPrefix`, or the only one whose id starts with it. */
  async resolve(idOrPrefix: string): Promise<string> {
    if ((await this.#app.storage.get({ conversationId: idOrPrefix })) !== undefined) return idOrPrefix;
    const matches: string[] = [];
    for (let offset = 0; ; offset += 500) {
      const page = await this.#app.storage.list({ sortBy: 'updatedAt', sortOrder: 'desc', limit: 500, offset });
      matches.push(...page.items.map((record) => record.id).filter((id) => id.startsWith(idOrPrefix)));
      if (page.items.length < 500 || matches.length > 1) break;
    }
    if (matches.length === 1) return matches[0] as string;
    throw new AmbiguousConversationError(
      matches.length === 0
        ? `no conversation id starts with "${idOrPrefix}". /list shows them`
        : `several conversations start with "${idOrPrefix}" (${matches.slice(0, 3).join(', ')}…); type more of the id`,
    );
  }

  /** The whole tree with the active path marked, and what each node recorded. */
  async tree(conversationId: string): Promise<TreeView> {
    const tree = await this.#app.storage.load({ conversationId });
    if (tree === undefined) throw new ConversationNotFoundError({ conversationId });
    return treeView(tree.conversation, tree.nodes);
  }

  /** The children of `nodeId` (default: the alternatives at the cursor). */
  async branches(conversationId: string, nodeId?: string): Promise<readonly BranchInfo[]> {
    return this.#pool.run(conversationId, (manager) => manager.getBranches(nodeId));
  }

  /** Moves the cursor to `nodeId`. */
  async switchTo(conversationId: string, nodeId: string): Promise<void> {
    await this.#pool.run(conversationId, (manager) => manager.switchToNode(nodeId));
  }

  /** Adds the user's message (rendered through the chat prompt, with RAG) and streams the answer. */
  async send(conversationId: string, text: string, options: TurnOptions = {}): Promise<TurnResult> {
    return this.#pool.run(conversationId, async (manager) => {
      const nodeId = await this.#addUserMessage(manager, text, {}, options.signal);
      return this.#answer(manager, nodeId, options);
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
    return this.#pool.run(conversationId, async (manager) => {
      const original = await this.#app.storage.getNode({ conversationId, nodeId });
      if (original?.role === 'user') {
        await manager.branchFrom(nodeId);
        const node = await this.#addUserMessage(manager, text, { editedFrom: nodeId }, options.signal);
        return this.#answer(manager, node, options);
      }
      return { nodeId: (await manager.editMessage(nodeId, text)).id };
    });
  }

  /** Answers the question under the cursor again, as a new sibling answer (streamed). */
  async regenerate(conversationId: string, options: TurnOptions = {}): Promise<TurnResult> {
    return this.#pool.run(conversationId, (manager) => this.#answer(manager, null, options));
  }

  /** Tool calls at the cursor waiting for approval (or a result). */
  async pending(conversationId: string): Promise<readonly PendingCall[]> {
    return this.#pool.run(conversationId, (manager) => manager.getPendingToolCalls());
  }

  /**
   * Approves (runs) or rejects the waiting tool call `toolCallId` (default: the only one),
   * then, when no other call waits, lets the model go on (streamed).
   */
  async answerToolCall(
    conversationId: string,
    {
      approve,
      toolCallId,
      reason,
    }: { readonly approve: boolean; readonly toolCallId?: string; readonly reason?: string },
    options: TurnOptions = {},
  ): Promise<TurnResult & { readonly toolName: string }> {
    return this.#pool.run(conversationId, async (manager) => {
      const waiting = (await manager.getPendingToolCalls()).filter((call) => call.reason === 'needs-approval');
      const call =
        toolCallId === undefined
          ? waiting.length === 1
            ? waiting[0]
            : undefined
          : waiting.find((item) => item.toolCallId === toolCallId || item.toolCallId.startsWith(toolCallId));
      if (call === undefined)
        throw new AmbiguousConversationError(
          waiting.length === 0
            ? 'no tool call waits for approval here'
            : `several tool calls wait (${waiting.map((item) => item.toolCallId).join(', ')}); name one`,
        );
      if (approve) {
        const result = await manager.approveToolCall(
          call.toolCallId,
          options.signal === undefined ? {} : { signal: options.signal },
        );
        options.onToolResult?.(call.toolName, result.isError);
      } else {
        await manager.rejectToolCall(call.toolCallId, reason);
      }
      const left = await manager.getPendingToolCalls();
      const turn =
        left.length > 0
          ? {
              userNodeId: null,
              assistantNodeId: manager.state.currentNodeId ?? '',
              content: '',
              status: 'pending-tool-calls',
              pending: left,
            }
          : await this.#answer(manager, null, options);
      return { ...turn, toolName: call.toolName };
    });
  }

  /** Waits until every running operation has finished. */
  async drain(): Promise<void> {
    await this.#pool.drain();
  }

  /**
   * Graceful stop: every open conversation's manager refuses new turns and waits up to
   * `timeoutMs` for its turns in flight; turns still running then are cut off and keep what
   * they have (a streamed answer becomes an `interrupted` node).
   */
  async close(timeoutMs: number): Promise<{ readonly cutOff: boolean }> {
    return this.#pool.close({ timeoutMs });
  }

  async #addUserMessage(
    manager: ConversationManager,
    text: string,
    metadata: Readonly<Record<string, unknown>>,
    signal: AbortSignal | undefined,
  ): Promise<string> {
    if (manager.state.metadata['title'] === undefined)
      await manager.updateMetadata({ title: text.replace(/\s+/g, ' ').trim().slice(0, 80) });
    const node = await manager.addMessage({
      role: 'user',
      promptName: this.#app.config.prompts.userPrompt,
      params: { question: text },
      metadata: { [userTextKey]: text, ...metadata },
      ...(signal === undefined ? {} : { signal }),
    });
    return node.id;
  }

  async #answer(manager: ConversationManager, userNodeId: string | null, options: TurnOptions): Promise<TurnResult> {
    let content = '';
    for await (const part of manager.stream(options.signal === undefined ? {} : { signal: options.signal })) {
      if (part.type === 'text-delta') {
        content += part.text;
        options.onDelta?.(part.text);
      } else if (part.type === 'tool-result') options.onToolResult?.(part.toolName, part.isError);
      else if (part.type === 'end')
        return {
          userNodeId,
          assistantNodeId: part.result.node.id,
          content,
          status: part.result.status,
          pending: part.result.pendingToolCalls,
        };
    }
    return { userNodeId, assistantNodeId: manager.state.currentNodeId ?? '', content, status: 'complete', pending: [] };
  }
}
