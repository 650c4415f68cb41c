import { checkOptions, ConversationNotFoundError } from '@dk/spec';
import type { ConversationMetadata, ConversationNode, InferSchemaOutput, StandardSchemaV1 } from '@dk/spec';
import type { Attributes } from '@opentelemetry/api';
import type { PathEntry } from './active-path.js';
import { compact, defaultKeepRecentMessages } from './compaction.js';
import type { CompletionResult } from './completion-result.js';
import { ConversationInputError } from './conversation-input-error.js';
import type {
  AddMessageOptions,
  CloseManagerOptions,
  CompactOptions,
  CompleteOptions,
  ConversationManagerSettings,
  CreateConversationManagerOptions,
  ResumeConversationManagerOptions,
} from './conversation-manager-options.js';
import type { ConversationMiddleware } from './conversation-middleware.js';
import { ConversationSession } from './conversation-session.js';
import type { BranchInfo, ConversationState, ConversationTotals } from './conversation-state.js';
import { ConversationStateError } from './conversation-state-error.js';
import {
  checkCallOptions,
  checkCreateOptions,
  checkMiddlewareList,
  checkResumeOptions,
} from './manager-option-checks.js';
import { buildMessageNode } from './message-node.js';
import { openToolCalls } from './pending-tool-calls.js';
import { runTurn, turnEndPart } from './run-turn.js';
import type { TurnRequest } from './run-turn.js';
import { approveToolCall, listPendingToolCalls, rejectToolCall } from './tool-approvals.js';
import type { ApproveToolCallOptions } from './tool-approvals.js';
import type { ConversationStreamPart, PendingToolCall, ToolResultRecord } from './turn-types.js';
import { sumTotals } from './sum-totals.js';
import { branchFrom, editMessage, getBranches, switchToNode } from './tree-navigation.js';

const defaultCloseTimeoutMs = 10_000;
const messageNames = [
  'role',
  'content',
  'name',
  'toolCallId',
  'toolCalls',
  'renderTemplate',
  'params',
  'promptName',
  'includeRag',
  'validationLevel',
  'signal',
  'cacheRag',
  'metadata',
  'branchName',
];

/**
 * A conversation kept as a tree of messages in a {@link ConversationStore}, with a cursor
 * on the active path and middleware around every model call.
 *
 * Each operation writes only the node(s) it adds and the cursor; the active path (root →
 * cursor) is read once on `create`/`resume` and then maintained in memory, so the cost
 * of a turn does not grow with the size of the tree. Run one operation at a time per
 * manager; a second manager (or process) writing the same conversation makes the next
 * cursor move fail with `ConversationConflictError` — call `refresh()` and retry. A final
 * answer whose cursor move conflicts is kept under its own question, off the path
 * (`metadata.offPath`), and the manager reloads the stored path.
 *
 * Turns: a turn is a user message plus its answer. A failed or refused turn stores
 * nothing more, leaving its user message unanswered at the cursor: `complete()` retries it,
 * and a new user message replaces it on the path (it is stored as its sibling), so the
 * model never receives two user messages in a row. `complete()` on an answer gives an
 * alternative answer (a sibling). A stream stopped after some output keeps it as an
 * `interrupted` answer and moves the cursor to it.
 */
export class ConversationManager {
  readonly #session: ConversationSession;

  private constructor(session: ConversationSession) {
    this.#session = session;
  }

  /**
   * Creates a conversation in `storage` (with `metadata`) and, when `systemPromptName` is
   * given, renders it through `promptBuilder` as the root message (if rendering fails the
   * new conversation is deleted and the error rethrown).
   */
  static async create(options: CreateConversationManagerOptions): Promise<ConversationManager> {
    checkCreateOptions(options);
    ConversationManager.#checkSettings(options);
    const record = await options.storage.create({
      ...(options.conversationId === undefined ? {} : { id: options.conversationId }),
      metadata: options.metadata ?? {},
    });
    const manager = new ConversationManager(new ConversationSession(options, record));
    if (options.systemPromptName !== undefined) {
      try {
        await manager.addMessage({
          role: 'system',
          promptName: options.systemPromptName,
          params: options.systemParams ?? {},
        });
      } catch (error) {
        // Do not leave an empty conversation behind when the system prompt cannot be rendered.
        await options.storage.delete({ conversationId: record.id }).catch(() => undefined);
        throw error;
      }
    }
    return manager;
  }

  /** Continues a stored conversation at its stored cursor. Throws `ConversationNotFoundError` for an unknown id. */
  static async resume(options: ResumeConversationManagerOptions): Promise<ConversationManager> {
    checkResumeOptions(options);
    ConversationManager.#checkSettings(options);
    const record = await options.storage.get({ conversationId: options.conversationId });
    if (record === undefined) throw new ConversationNotFoundError({ conversationId: options.conversationId });
    const session = new ConversationSession(options, record);
    await session.loadPath();
    return new ConversationManager(session);
  }

  static #checkSettings(settings: ConversationManagerSettings): void {
    if (settings.llm === undefined || typeof settings.llm.complete !== 'function') {
      throw new ConversationInputError({
        field: 'llm',
        reason: 'must be an LLMProvider',
        hint: 'Pass a provider such as `new EchoProvider()`.',
      });
    }
    if (settings.storage === undefined || typeof settings.storage.appendNode !== 'function') {
      throw new ConversationInputError({
        field: 'storage',
        reason: 'must be a ConversationStore',
        hint: 'Pass a store such as `new MemoryConversationStore()`.',
      });
    }
    const limit = settings.contextLimit;
    if (limit !== undefined) {
      const keep = limit.keepRecentMessages ?? defaultKeepRecentMessages;
      if (!Number.isInteger(keep) || keep < 0) {
        throw new ConversationInputError({
          field: 'contextLimit.keepRecentMessages',
          reason: 'must be an integer ≥ 0',
        });
      }
      if (limit.maxMessages !== undefined && (!Number.isInteger(limit.maxMessages) || limit.maxMessages <= keep)) {
        throw new ConversationInputError({
          field: 'contextLimit.maxMessages',
          reason: `must be an integer greater than keepRecentMessages (${keep})`,
          hint: 'Otherwise every turn would be summarised again.',
        });
      }
      if (limit.maxTokens !== undefined && !(limit.maxTokens > 0)) {
        throw new ConversationInputError({ field: 'contextLimit.maxTokens', reason: 'must be a positive number' });
      }
    }
  }

  /** The conversation id. */
  get conversationId(): string {
    return this.#session.conversationId;
  }

  /** A snapshot of the conversation: id, cursor, metadata, and the active path's messages. */
  get state(): ConversationState {
    const record = this.#session.record;
    const entries = this.#session.path.entries;
    const length = entries.length;
    return {
      conversationId: record.id,
      currentNodeId: record.currentNodeId,
      metadata: record.metadata,
      version: record.version,
      nodeCount: record.nodeCount,
      getCurrentMessages: () => Object.freeze(entries.slice(0, length).map((entry) => entry.message)),
      getCurrentNodes: () => Object.freeze(entries.slice(0, length).map((entry) => entry.node)),
    };
  }

  /** The manager's permanent middleware (a copy; change it with `use`/`withMiddleware`). */
  get middleware(): readonly ConversationMiddleware[] {
    return [...this.#session.middleware];
  }

  /** Appends middleware to the manager's permanent list (innermost). */
  use(...middleware: ConversationMiddleware[]): void {
    checkMiddlewareList('use', middleware);
    this.#session.middleware.push(...middleware);
  }

  /**
   * Runs `body` with `middleware` added (innermost) to every call made meanwhile, and
   * removes it afterwards, also when `body` throws.
   */
  async withMiddleware<T>(middleware: readonly ConversationMiddleware[], body: () => Promise<T>): Promise<T> {
    checkMiddlewareList('withMiddleware', middleware);
    const scope = [...middleware];
    const scoped = this.#session.scoped;
    scoped.push(scope);
    try {
      return await body();
    } finally {
      const index = scoped.lastIndexOf(scope);
      if (index !== -1) scoped.splice(index, 1);
    }
  }

  /** Re-reads the conversation record and the active path from the store (after a conflict). */
  async refresh(): Promise<void> {
    await this.#session.refresh();
  }

  /**
   * Appends a message under the cursor and moves the cursor to it. With `content` the text
   * is stored exactly as given (or rendered with `params` when `renderTemplate: true`);
   * with `promptName` (roles `system`/`user`) it is rendered through the prompt builder
   * and the node records the prompt name, content hash and RAG metadata under
   * `metadata.prompt`. A user message added while the cursor is an unanswered user message
   * (a failed or refused turn) is stored as that message's sibling: it replaces it on the
   * path, so the model never receives two user messages in a row.
   */
  async addMessage(options: AddMessageOptions): Promise<ConversationNode> {
    checkOptions('addMessage', options, messageNames);
    const session = this.#session;
    const telemetry = session.telemetry;
    const attributes: Attributes = {
      'gen_ai.conversation.id': session.conversationId,
      'dk.node.role': String(options?.role),
    };
    if (options !== null && 'promptName' in options && typeof options.promptName === 'string') {
      attributes['dk.prompt.name'] = options.promptName;
    }
    const { span, context } = telemetry.start('dk.add_message', attributes, undefined);
    session.traceContext = context;
    try {
      const node = await buildMessageNode(session, options);
      const stored = await session.append(this.#messageBase(node.role), node);
      if (span.isRecording()) span.setAttribute('dk.node.id', stored.id);
      telemetry.end(span);
      return stored;
    } catch (error) {
      telemetry.end(span, error);
      throw error;
    } finally {
      session.traceContext = undefined;
    }
  }

  #messageBase(role: string): readonly PathEntry[] {
    const path = this.#session.path;
    if (role !== 'tool') {
      const open = openToolCalls(path.entries);
      const waiting = open?.calls.filter((call) => !open.answered.has(call.id)) ?? [];
      if (waiting.length > 0) {
        throw new ConversationStateError({
          conversationId: this.conversationId,
          operation: 'addMessage',
          message: `Tool calls ${waiting.map((call) => `"${call.id}" (${call.name})`).join(', ')} wait for a result at the cursor; a model cannot read a new ${role} message before them. Approve or reject them (\`approveToolCall\`, \`rejectToolCall\`), add their results with \`addMessage({ role: 'tool', toolCallId, content })\`, or branch with \`branchFrom\`.`,
        });
      }
    }
    if (role !== 'user' || path.last?.node.role !== 'user') return path.entries;
    if (path.length === 1) {
      throw new ConversationStateError({
        conversationId: this.conversationId,
        operation: 'addMessage',
        message: `Conversation "${this.conversationId}" starts with a user message that has no answer yet, and a conversation has one first message. Retry it with \`complete()\`, or start a new conversation (or give conversations a system prompt, so the first user message can be replaced).`,
      });
    }
    return path.prefix(path.length - 1);
  }

  /**
   * Runs a turn: sends the active path (root → cursor) through the middleware to the model
   * and stores the answer under the cursor, which moves to it. With tools, it runs the tool
   * loop — model, tool calls (concurrently, bounded), results, model… — storing every step
   * as nodes, until an answer, a call that must wait (`status: 'pending-tool-calls'`, see
   * `pendingToolCalls`), or `maxSteps` (`status: 'max-steps'`). When the cursor is an answer,
   * its parent is answered again (a sibling). With `output`, the answer is parsed and
   * validated into `object`. Each answer node records model, provider, finish reason,
   * usage, latency and cost, and every other model call of its turn.
   */
  async complete<Schema extends StandardSchemaV1>(
    options: CompleteOptions & { readonly output: Schema },
  ): Promise<CompletionResult<InferSchemaOutput<Schema>>>;
  async complete(options?: CompleteOptions): Promise<CompletionResult>;
  async complete(options: CompleteOptions = {}): Promise<CompletionResult> {
    checkCallOptions('complete', options);
    return drain(runTurn(this.#session, { operation: 'complete', mode: 'complete', options }));
  }

  /**
   * Answers the cursor's parent again: when the cursor is an assistant node, a new
   * assistant sibling is created (the old answer stays as a branch); otherwise it is
   * `complete()`.
   */
  async regenerate(options: CompleteOptions = {}): Promise<CompletionResult> {
    checkCallOptions('regenerate', options);
    return drain(runTurn(this.#session, { operation: 'regenerate', mode: 'complete', options }));
  }

  /**
   * Like `complete`, as a stream: yields the provider's parts after `processStreamPart`
   * middleware, and for tool loops `tool-result`, `tool-pending` and `step-finish` parts;
   * the final `end` part comes after everything is stored and carries the turn's `result`.
   * If the stream fails, is aborted, or the caller stops early, the text received so far is
   * stored as an assistant node with `metadata.interrupted = true` and the cursor moves to
   * it; the error is rethrown.
   */
  async *stream(options: CompleteOptions = {}): AsyncGenerator<ConversationStreamPart, void, undefined> {
    checkCallOptions('stream', options);
    const request: TurnRequest = { operation: 'stream', mode: 'stream', options };
    const result = yield* runTurn(this.#session, request);
    yield turnEndPart(result);
  }

  /**
   * The tool calls at the cursor that have no result, and why each waits (`needs-approval`,
   * `no-execute`, `interrupted`). Read from the stored tree: works in a new process after
   * `resume`. Call it between turns.
   */
  async getPendingToolCalls(): Promise<readonly PendingToolCall[]> {
    return listPendingToolCalls(this.#session);
  }

  /**
   * Runs a pending call that needs approval and stores its result; then `complete()` goes
   * on with the loop. A call runs at most once, across processes and restarts (see
   * {@link ApproveToolCallOptions.rerun} for interrupted ones).
   */
  async approveToolCall(toolCallId: string, options: ApproveToolCallOptions = {}): Promise<ToolResultRecord> {
    checkOptions('approveToolCall', options, ['rerun', 'signal', 'tools', 'middleware', 'timeoutMs']);
    return approveToolCall(this.#session, toolCallId, options);
  }

  /** Refuses a pending call: stores a rejection (with `reason`) as its result, which the model reads on `complete()`. */
  async rejectToolCall(toolCallId: string, reason?: string): Promise<ToolResultRecord> {
    return rejectToolCall(this.#session, toolCallId, reason);
  }

  /**
   * Moves the cursor to `nodeId` (persisted), so the next message starts a branch there.
   * Throws `NodeNotFoundError` for an unknown id.
   */
  async switchToNode(nodeId: string): Promise<void> {
    await switchToNode(this.#session, nodeId);
  }

  /**
   * Moves the cursor to the parent of `nodeId`, so the next message becomes a sibling of
   * it. The root has no parent and is refused.
   */
  async branchFrom(nodeId: string): Promise<void> {
    await branchFrom(this.#session, nodeId);
  }

  /**
   * Stores an edited copy of `nodeId` as its new sibling (same role and tool fields,
   * `metadata.editedFrom` = `nodeId`) and moves the cursor to it. The original stays. Works
   * on any step, tool results included (the loop then continues from the edited result).
   */
  async editMessage(nodeId: string, content: string): Promise<ConversationNode> {
    return editMessage(this.#session, nodeId, content);
  }

  /**
   * The branches at a node, in creation order. Without an argument: the alternatives at the
   * cursor — the cursor and its siblings (after the guide's `switchToNode('0')` +
   * `complete()`, both answers). With `nodeId`: the children of that node.
   */
  async getBranches(nodeId?: string): Promise<readonly BranchInfo[]> {
    return getBranches(this.#session, nodeId);
  }

  /** Replaces the conversation metadata with `{ ...current, ...patch }` (persisted, version-checked). */
  async updateMetadata(patch: ConversationMetadata): Promise<ConversationMetadata> {
    if (typeof patch !== 'object' || patch === null)
      throw new ConversationInputError({ field: 'patch', reason: 'must be an object' });
    const session = this.#session;
    session.record = await session.storage.updateConversation({
      conversationId: session.conversationId,
      metadata: { ...session.record.metadata, ...patch },
      expectedVersion: session.record.version,
    });
    return session.record.metadata;
  }

  /** Token and cost totals over the active path (from the cache; no store access). */
  getPathTotals(): ConversationTotals {
    return sumTotals(this.#session.path.entries.map((entry) => entry.node));
  }

  /**
   * Token and cost totals over every node of every branch, discarded retries, judge calls
   * and interrupted streams included. Reads the whole tree, so call it on demand, not per turn.
   */
  async getTotals(): Promise<ConversationTotals> {
    const session = this.#session;
    const tree = await session.storage.load({ conversationId: session.conversationId });
    if (tree === undefined) throw new ConversationNotFoundError({ conversationId: session.conversationId });
    return sumTotals(tree.nodes);
  }

  /**
   * Folds the old part of the active path into a summary. Append-only: a `system` summary
   * node (`metadata.summary = true`) is added under the root and the most recent messages
   * are copied after it (`metadata.copiedFrom`), so the new active path is root → summary →
   * recent messages. The old branch stays in the tree. A tool result is never separated
   * from the assistant message that called it. Returns the number of messages folded.
   */
  async compact(options: CompactOptions = {}): Promise<number> {
    return compact(this.#session, options);
  }

  /** Turns in progress (`complete`/`stream`/`regenerate`). */
  get turnsInFlight(): number {
    return this.#session.turnsInFlight;
  }

  /**
   * Drains the manager: refuses new turns, waits up to `timeoutMs` (default 10 s) for the
   * turns in flight, then aborts what is left — a stream keeps what it has as an
   * `interrupted` answer — and resolves once they have stored it. Does not close the store
   * (close it after the managers that use it). Idempotent.
   */
  async close(options: CloseManagerOptions = {}): Promise<void> {
    checkOptions('close', options, ['timeoutMs']);
    const timeoutMs = options.timeoutMs ?? defaultCloseTimeoutMs;
    if (!(timeoutMs >= 0))
      throw new ConversationInputError({ field: 'timeoutMs', reason: 'must be a number of milliseconds ≥ 0' });
    await this.#session.close(timeoutMs);
  }
}

/** Runs a turn to its end, discarding the stream parts. */
async function drain(turn: AsyncGenerator<unknown, CompletionResult>): Promise<CompletionResult> {
  for (;;) {
    const next = await turn.next();
    if (next.done === true) return next.value;
  }
}
