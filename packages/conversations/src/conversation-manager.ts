import { createHash } from 'node:crypto';
import { AbortError, ConversationNotFoundError, NodeNotFoundError } from '@dk/spec';
import { renderTemplate } from '@dk/templates';
import type {
  ConversationMetadata,
  ConversationNode,
  ConversationRecord,
  ConversationStore,
  LLMMessage,
  LLMProvider,
  LLMResponse,
  NewConversationNode,
  StreamPart,
  ToolCall,
  Usage,
} from '@dk/spec';
import { ConversationInputError } from './conversation-input-error.js';
import type {
  AddMessageOptions,
  AddPromptMessageOptions,
  CompactOptions,
  CompleteOptions,
  CompletionOverrides,
  ContextLimit,
  ConversationManagerSettings,
  CreateConversationManagerOptions,
  ResumeConversationManagerOptions,
} from './conversation-manager-options.js';
import type { ConversationMiddleware, MiddlewareContext } from './conversation-middleware.js';
import type {
  ConversationPromptBuilder,
  RagResultCacheLike,
  RagRunLike,
  SearchResultLike,
} from './conversation-prompt-builder.js';
import type { BranchInfo, ConversationState, ConversationTotals } from './conversation-state.js';
import { ConversationStateError } from './conversation-state-error.js';
import type { ConversationSummarizer } from './conversation-summarizer.js';
import { deepFreeze, frozenClone } from './deep-freeze.js';
import { LlmSummarizer } from './llm-summarizer.js';
import {
  runErrorMiddleware,
  runRequestMiddleware,
  runResponseMiddleware,
  runStreamPartMiddleware,
} from './middleware-pipeline.js';
import { computeCostUsd } from './price-table.js';
import type { PriceTable } from './price-table.js';
import { sumTotals } from './sum-totals.js';

/** A completion as returned by `complete` and `regenerate`: the (middleware-processed) response and its stored node. */
export interface CompletionResult extends LLMResponse {
  /** The assistant node that was stored (the new cursor). */
  readonly node: ConversationNode;
  /** Cost of this call in US dollars, `null` when the model has no price. */
  readonly costUsd: number | null;
  /** Time spent in the provider call, in milliseconds. */
  readonly latencyMs: number;
}

/** One node of the cached active path with its message form. */
interface PathEntry {
  readonly node: ConversationNode;
  readonly message: LLMMessage;
  /** Estimated tokens of the path up to and including this node. */
  readonly cumulativeTokens: number;
}

/** An attempt of a turn that a middleware rejected and retried. */
interface DiscardedAttempt {
  readonly attempt: number;
  readonly reason: string;
  readonly model?: string;
  readonly usage?: Usage;
  readonly costUsd?: number | null;
}

/** Turn-local mutable state behind a {@link MiddlewareContext}. */
interface TurnContext {
  readonly view: MiddlewareContext;
  readonly annotations: Record<string, unknown>;
}

const defaultKeepRecentMessages = 4;
const maxTurnAttempts = 10;
const previewLength = 100;
/** Completion settings recorded on the node; headers and vendor options may carry secrets. */
const recordedOverrideKeys = [
  'model',
  'temperature',
  'maxTokens',
  'topP',
  'stop',
  'seed',
  'responseFormat',
  'toolChoice',
  'timeoutMs',
  'maxRetries',
] as const;

function depthOf(nodeId: string): number {
  if (nodeId === '') return 0;
  let depth = 1;
  for (let index = 0; index < nodeId.length; index += 1) if (nodeId.charCodeAt(index) === 46) depth += 1;
  return depth;
}

function parentIdOf(nodeId: string): string | null {
  if (nodeId === '') return null;
  const dot = nodeId.lastIndexOf('.');
  return dot === -1 ? '' : nodeId.slice(0, dot);
}

function estimateTokens(content: string): number {
  return Math.ceil(content.length / 4) + 4;
}

function toMessage(node: ConversationNode): LLMMessage {
  return deepFreeze({
    role: node.role,
    content: node.content,
    ...(node.name === undefined ? {} : { name: node.name }),
    ...(node.toolCallId === undefined ? {} : { toolCallId: node.toolCallId }),
    ...(node.toolCalls === undefined || node.toolCalls.length === 0 ? {} : { toolCalls: node.toolCalls }),
    metadata: node.metadata,
  });
}

/**
 * The JSON-safe part of a RAG run kept on the node: text-free, except `retrieved` (the
 * results with their text) when `keepResults` is on for cross-branch reuse.
 */
function summarizeRagRun(
  run: RagRunLike,
  keepResults: boolean,
  cachedFrom: string | undefined,
): Record<string, unknown> {
  const summary: Record<string, unknown> = {};
  for (const key of [
    'placeholder',
    'adapterName',
    'configName',
    'query',
    'queryHash',
    'k',
    'status',
    'durationMs',
    'maxTokens',
    'tokens',
  ] as const) {
    if (run[key] !== undefined) summary[key] = run[key];
  }
  if (run.cacheHit === true) {
    summary['cacheHit'] = true;
    if (cachedFrom !== undefined) summary['cachedFrom'] = cachedFrom;
  }
  if (run.dropped !== undefined && run.dropped.length > 0) {
    summary['dropped'] = run.dropped.map((dropped) => ({
      id: dropped.id,
      score: dropped.score,
      tokens: dropped.tokens,
      budget: dropped.budget,
    }));
  }
  if (keepResults && run.status === 'ok' && run.queryHash !== undefined && run.retrieved !== undefined) {
    summary['retrieved'] = run.retrieved.map((result) => ({
      id: result.id,
      content: result.content,
      score: result.score,
      metadata: result.metadata,
    }));
  }
  if (run.results !== undefined) {
    summary['results'] = run.results.map((result) => ({
      ...(result.id === undefined ? {} : { id: result.id }),
      ...(result.score === undefined ? {} : { score: result.score }),
      ...(result.citation === undefined ? {} : { citation: result.citation }),
    }));
  }
  return summary;
}

function isSearchResultLike(value: unknown): value is SearchResultLike {
  if (typeof value !== 'object' || value === null) return false;
  const result = value as Record<string, unknown>;
  return (
    typeof result['id'] === 'string' &&
    typeof result['content'] === 'string' &&
    typeof result['score'] === 'number' &&
    typeof result['metadata'] === 'object' &&
    result['metadata'] !== null
  );
}

function recordedOverrides(overrides: CompletionOverrides | undefined): Record<string, unknown> | undefined {
  if (overrides === undefined) return undefined;
  const recorded: Record<string, unknown> = {};
  for (const key of recordedOverrideKeys) if (overrides[key] !== undefined) recorded[key] = overrides[key];
  return Object.keys(recorded).length === 0 ? undefined : recorded;
}

function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: typeof error };
}

function isTurnRetryRequest(error: unknown): error is Error & { readonly reason?: string } {
  return (
    typeof error === 'object' && error !== null && (error as { requestsTurnRetry?: unknown }).requestsTurnRetry === true
  );
}

function isAbortLike(error: unknown, signal: AbortSignal | undefined): boolean {
  return (
    AbortError.isInstance(error) || (error instanceof Error && error.name === 'AbortError') || signal?.aborted === true
  );
}

/**
 * A conversation kept as a tree of messages in a {@link ConversationStore}, with a cursor
 * on the active path and middleware around every model call.
 *
 * Each operation writes only the node(s) it adds and the cursor; the active path (root →
 * cursor) is read once on `create`/`resume` and then maintained in memory, so the cost
 * of a turn does not grow with the size of the tree. Run one operation at a time per
 * manager; a second manager (or process) writing the same conversation makes the next
 * cursor move fail with `ConversationConflictError` — call `refresh()` and retry.
 */
export class ConversationManager {
  readonly #llm: LLMProvider;
  readonly #promptBuilder: ConversationPromptBuilder | undefined;
  readonly #storage: ConversationStore;
  readonly #middleware: ConversationMiddleware[];
  readonly #scoped: (readonly ConversationMiddleware[])[] = [];
  readonly #prices: PriceTable;
  readonly #contextLimit: ContextLimit | undefined;
  readonly #now: () => number;
  readonly #cacheRag: boolean;
  /** Stored RAG results by query hash, from prompt nodes seen on an active path (`cacheRag`). */
  readonly #ragResults = new Map<string, { readonly nodeId: string; readonly results: readonly SearchResultLike[] }>();
  #currentRecord!: ConversationRecord;
  #path: PathEntry[] = [];

  /** The conversation record as last written or read; frozen, so nobody (middleware included) can change it. */
  get #record(): ConversationRecord {
    return this.#currentRecord;
  }

  set #record(record: ConversationRecord) {
    this.#currentRecord = deepFreeze(record);
  }

  private constructor(settings: ConversationManagerSettings, record: ConversationRecord) {
    this.#llm = settings.llm;
    this.#promptBuilder = settings.promptBuilder;
    this.#storage = settings.storage;
    this.#middleware = [...(settings.middleware ?? [])];
    this.#prices = settings.prices ?? {};
    this.#contextLimit = settings.contextLimit;
    this.#now = settings.now ?? (() => performance.now());
    this.#cacheRag = settings.cacheRag === true;
    this.#record = record;
  }

  /**
   * Creates a conversation in `storage` (with `metadata`) and, when `systemPromptName` is
   * given, renders it through `promptBuilder` as the root message (if rendering fails the
   * new conversation is deleted and the error rethrown).
   */
  static async create(options: CreateConversationManagerOptions): Promise<ConversationManager> {
    ConversationManager.#checkSettings(options);
    const record = await options.storage.create({
      ...(options.conversationId === undefined ? {} : { id: options.conversationId }),
      metadata: options.metadata ?? {},
    });
    const manager = new ConversationManager(options, record);
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
    ConversationManager.#checkSettings(options);
    const record = await options.storage.get({ conversationId: options.conversationId });
    if (record === undefined) throw new ConversationNotFoundError({ conversationId: options.conversationId });
    const manager = new ConversationManager(options, record);
    await manager.#loadPath();
    return manager;
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

  async #loadPath(): Promise<void> {
    const cursor = this.#record.currentNodeId;
    if (cursor === null) {
      this.#path = [];
      return;
    }
    const nodes = await this.#storage.getPath({ conversationId: this.#record.id, nodeId: cursor });
    const path: PathEntry[] = [];
    for (const node of nodes) path.push(this.#entry(node, path.at(-1)));
    this.#path = path;
  }

  #entry(node: ConversationNode, previous: PathEntry | undefined): PathEntry {
    const frozen = deepFreeze(node);
    this.#indexRagResults(frozen);
    return {
      node: frozen,
      message: toMessage(frozen),
      cumulativeTokens: (previous?.cumulativeTokens ?? 0) + estimateTokens(frozen.content),
    };
  }

  /** Sets the active path to `base` + `node`; extends the cached path in place when `base` is it. */
  #advance(base: PathEntry[], node: ConversationNode): ConversationNode {
    const entry = this.#entry(node, base.at(-1));
    if (base === this.#path) this.#path.push(entry);
    else this.#path = [...base, entry];
    return entry.node;
  }

  /** The conversation id. */
  get conversationId(): string {
    return this.#record.id;
  }

  /** A snapshot of the conversation: id, cursor, metadata, and the active path's messages. */
  get state(): ConversationState {
    const record = this.#record;
    const path = this.#path;
    const length = path.length;
    return {
      conversationId: record.id,
      currentNodeId: record.currentNodeId,
      metadata: record.metadata,
      version: record.version,
      nodeCount: record.nodeCount,
      getCurrentMessages: () => Object.freeze(path.slice(0, length).map((entry) => entry.message)),
      getCurrentNodes: () => Object.freeze(path.slice(0, length).map((entry) => entry.node)),
    };
  }

  /** The manager's permanent middleware (a copy; change it with `use`/`withMiddleware`). */
  get middleware(): readonly ConversationMiddleware[] {
    return [...this.#middleware];
  }

  /** Appends middleware to the manager's permanent list (innermost). */
  use(...middleware: ConversationMiddleware[]): void {
    this.#middleware.push(...middleware);
  }

  /**
   * Runs `body` with `middleware` added (innermost) to every call made meanwhile, and
   * removes it afterwards, also when `body` throws.
   */
  async withMiddleware<T>(middleware: readonly ConversationMiddleware[], body: () => Promise<T>): Promise<T> {
    const scope = [...middleware];
    this.#scoped.push(scope);
    try {
      return await body();
    } finally {
      const index = this.#scoped.lastIndexOf(scope);
      if (index !== -1) this.#scoped.splice(index, 1);
    }
  }

  #activeMiddleware(perCall: readonly ConversationMiddleware[] | undefined): readonly ConversationMiddleware[] {
    if (this.#scoped.length === 0 && (perCall === undefined || perCall.length === 0)) return this.#middleware;
    return [...this.#middleware, ...this.#scoped.flat(), ...(perCall ?? [])];
  }

  /** Re-reads the conversation record and the active path from the store (after a conflict). */
  async refresh(): Promise<void> {
    const record = await this.#storage.get({ conversationId: this.#record.id });
    if (record === undefined) throw new ConversationNotFoundError({ conversationId: this.#record.id });
    this.#record = record;
    await this.#loadPath();
  }

  /**
   * Appends a message under the cursor and moves the cursor to it. With `content` the text
   * is stored exactly as given (or rendered with `params` when `renderTemplate: true`); with `promptName` (roles `system`/`user`) it is rendered
   * through the prompt builder and the node records the prompt name, content hash and RAG
   * metadata under `metadata.prompt`.
   */
  async addMessage(options: AddMessageOptions): Promise<ConversationNode> {
    const node = await this.#newNode(options);
    return this.#append(this.#path, node);
  }

  async #newNode(options: AddMessageOptions): Promise<NewConversationNode> {
    if (typeof options !== 'object' || options === null) {
      throw new ConversationInputError({ field: 'options', reason: 'must be an object such as `{ role, content }`' });
    }
    const roles = ['system', 'user', 'assistant', 'tool'];
    if (!roles.includes(options.role)) {
      throw new ConversationInputError({
        field: 'role',
        reason: `"${String(options.role)}" is not one of ${roles.join(', ')}`,
      });
    }
    const common = {
      ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
      ...(options.branchName === undefined ? {} : { branchName: options.branchName }),
    };
    if ('promptName' in options && options.promptName !== undefined) {
      if ('content' in options && (options as { content?: unknown }).content !== undefined) {
        throw new ConversationInputError({
          field: 'content',
          reason: 'cannot be combined with `promptName`',
          hint: 'Pass either inline `content` or a `promptName` to render.',
        });
      }
      const rendered = await this.#render(options);
      return { ...rendered, ...common, metadata: { ...options.metadata, ...rendered.metadata } };
    }
    const content = (options as { content?: unknown }).content;
    if (typeof content !== 'string') {
      throw new ConversationInputError({
        field: 'content',
        reason: 'must be a string',
        hint: 'Pass `{ role, content }` or `{ role, promptName, params }`.',
      });
    }
    const inline = options as Extract<AddMessageOptions, { content: string }>;
    let text = content;
    let metadata = options.metadata;
    if (inline.renderTemplate === true) {
      text = renderTemplate(content, inline.params ?? {}).content;
      metadata = {
        ...metadata,
        prompt: { inline: true, contentHash: createHash('sha256').update(text).digest('hex') },
      };
    } else if (inline.params !== undefined) {
      throw new ConversationInputError({
        field: 'params',
        reason: 'is only used with `renderTemplate: true` or `promptName`',
        hint: 'Inline content is stored as given unless you ask for rendering.',
      });
    }
    return {
      role: inline.role,
      content: text,
      ...(inline.name === undefined ? {} : { name: inline.name }),
      ...(inline.toolCallId === undefined ? {} : { toolCallId: inline.toolCallId }),
      ...(inline.toolCalls === undefined ? {} : { toolCalls: inline.toolCalls }),
      ...common,
      ...(metadata === undefined ? {} : { metadata }),
    };
  }

  async #render(
    options: AddPromptMessageOptions,
  ): Promise<NewConversationNode & { readonly metadata: ConversationMetadata }> {
    if (options.role !== 'system' && options.role !== 'user') {
      throw new ConversationInputError({
        field: 'role',
        reason: `prompts can only be rendered for roles system and user, not "${String(options.role)}"`,
      });
    }
    if (typeof options.promptName !== 'string' || options.promptName === '') {
      throw new ConversationInputError({ field: 'promptName', reason: 'must be a non-empty prompt name' });
    }
    const builder = this.#promptBuilder;
    if (builder === undefined) {
      throw new ConversationInputError({
        field: 'promptBuilder',
        reason: 'is required to render named prompts',
        hint: 'Pass `promptBuilder` to ConversationManager.create/resume.',
      });
    }
    const cacheRag = options.cacheRag ?? this.#cacheRag;
    const hits = new Map<string, string>();
    const ragCache: RagResultCacheLike | undefined = cacheRag
      ? {
          get: (queryHash) => {
            const stored = this.#ragResults.get(queryHash);
            if (stored === undefined) return undefined;
            hits.set(queryHash, stored.nodeId);
            return stored.results;
          },
        }
      : undefined;
    const renderOptions = {
      params: options.params ?? {},
      includeRag: options.includeRag ?? true,
      ...(options.validationLevel === undefined ? {} : { validationLevel: options.validationLevel }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(ragCache === undefined ? {} : { ragCache }),
    };
    const rendered =
      options.role === 'system'
        ? await builder.renderSystemPrompt(options.promptName, renderOptions)
        : await builder.renderUserPrompt(options.promptName, renderOptions);
    const prompt: Record<string, unknown> = { name: options.promptName, kind: options.role };
    if (rendered.contentHash !== undefined) prompt['contentHash'] = rendered.contentHash;
    if (rendered.version !== undefined) prompt['version'] = rendered.version;
    if (rendered.rag !== undefined && rendered.rag.length > 0) {
      prompt['rag'] = rendered.rag.map((run) =>
        summarizeRagRun(run, cacheRag, run.queryHash === undefined ? undefined : hits.get(run.queryHash)),
      );
      if (rendered.rag.some((run) => run.cacheHit === true)) prompt['ragCacheHit'] = true;
    }
    return { role: options.role, content: rendered.content, promptName: options.promptName, metadata: { prompt } };
  }

  async #append(base: PathEntry[], node: NewConversationNode): Promise<ConversationNode> {
    const parent = base.at(-1);
    const result = await this.#storage.appendNode({
      conversationId: this.#record.id,
      parentId: parent === undefined ? null : parent.node.id,
      node,
      moveCursor: true,
      expectedVersion: this.#record.version,
    });
    this.#record = result.conversation;
    return this.#advance(base, result.node);
  }

  /**
   * Sends the active path (root → cursor) through the middleware to the model, stores the
   * answer as an assistant node under the cursor, moves the cursor to it and returns it.
   * The node records model, provider, finish reason, usage, latency and cost.
   */
  async complete(options: CompleteOptions = {}): Promise<CompletionResult> {
    await this.#enforceContextLimit(options.signal);
    return this.#completeFrom(this.#path, options, 'complete');
  }

  /**
   * Answers the cursor's parent again: when the cursor is an assistant node, a new
   * assistant sibling is created (the old answer stays as a branch); otherwise it is
   * `complete()`.
   */
  async regenerate(options: CompleteOptions = {}): Promise<CompletionResult> {
    const cursor = this.#path.at(-1);
    if (cursor !== undefined && cursor.node.role === 'assistant' && this.#path.length > 1) {
      return this.#completeFrom(this.#path.slice(0, -1), options, 'regenerate');
    }
    return this.complete(options);
  }

  #requireParent(base: PathEntry[], operation: string): PathEntry {
    const parent = base.at(-1);
    if (parent === undefined) {
      throw new ConversationStateError({
        conversationId: this.#record.id,
        operation,
        message: `Cannot ${operation} conversation "${this.#record.id}": it has no messages. Add one with \`addMessage({ role: 'user', content })\` first.`,
      });
    }
    return parent;
  }

  #turnContext(
    parentId: string,
    operation: 'complete' | 'stream',
    attempt: number,
    turnData: Map<unknown, unknown>,
    signal: AbortSignal | undefined,
  ): TurnContext {
    const annotations: Record<string, unknown> = {};
    const view: MiddlewareContext = {
      conversationId: this.#record.id,
      parentNodeId: parentId,
      metadata: this.#record.metadata,
      operation,
      attempt,
      provider: this.#llm.provider,
      modelId: this.#llm.modelId,
      signal,
      turnData,
      setNodeMetadata: (key: string, value: unknown) => {
        if (typeof key !== 'string' || key === '') {
          throw new ConversationInputError({ field: 'setNodeMetadata key', reason: 'must be a non-empty string' });
        }
        annotations[key] = value;
      },
      get nodeMetadata() {
        return frozenClone(annotations);
      },
    };
    return { view: Object.freeze(view), annotations };
  }

  #callOptions(options: CompleteOptions) {
    return {
      ...options.overrides,
      ...(options.tools === undefined ? {} : { tools: options.tools }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    };
  }

  async #completeFrom(base: PathEntry[], options: CompleteOptions, operation: string): Promise<CompletionResult> {
    const parent = this.#requireParent(base, operation);
    const middleware = this.#activeMiddleware(options.middleware);
    const turnData = new Map<unknown, unknown>();
    const discarded: DiscardedAttempt[] = [];
    for (let attempt = 1; ; attempt += 1) {
      const context = this.#turnContext(parent.node.id, 'complete', attempt, turnData, options.signal);
      let raw: LLMResponse | undefined;
      try {
        const messages = await runRequestMiddleware(
          middleware,
          Object.freeze(base.map((entry) => entry.message)),
          context.view,
        );
        const started = this.#now();
        raw = await this.#llm.complete(messages, this.#callOptions(options));
        const latencyMs = this.#now() - started;
        const response = await runResponseMiddleware(middleware, frozenClone(raw), context.view);
        return await this.#storeAnswer(base, response, {
          latencyMs,
          attempt,
          discarded,
          annotations: context.annotations,
          options,
        });
      } catch (error) {
        if (isTurnRetryRequest(error) && attempt < maxTurnAttempts) {
          discarded.push({
            attempt,
            reason: typeof error.reason === 'string' ? error.reason : error.message,
            ...(raw === undefined
              ? {}
              : { model: raw.model, usage: raw.usage, costUsd: computeCostUsd(this.#prices, raw.model, raw.usage) }),
          });
          continue;
        }
        await runErrorMiddleware(middleware, error, context.view);
        throw error;
      }
    }
  }

  async #storeAnswer(
    base: PathEntry[],
    response: LLMResponse,
    turn: {
      readonly latencyMs: number;
      readonly attempt: number;
      readonly discarded: readonly DiscardedAttempt[];
      readonly annotations: Readonly<Record<string, unknown>>;
      readonly options: CompleteOptions;
    },
  ): Promise<CompletionResult> {
    const costUsd = computeCostUsd(this.#prices, response.model, response.usage);
    const overrides = recordedOverrides(turn.options.overrides);
    const requestId = response.metadata['requestId'];
    const metadata: Record<string, unknown> = {
      ...turn.options.metadata,
      ...turn.annotations,
      model: response.model,
      provider: this.#llm.provider,
      finishReason: response.finishReason,
      usage: response.usage,
      latencyMs: Math.round(turn.latencyMs * 1000) / 1000,
      costUsd,
      ...(typeof requestId === 'string' ? { requestId } : {}),
      ...(overrides === undefined ? {} : { overrides }),
      ...(response.warnings.length === 0 ? {} : { warnings: response.warnings }),
      ...(turn.attempt > 1 ? { attempts: turn.attempt, discardedAttempts: turn.discarded } : {}),
    };
    const node = await this.#append(base, {
      role: 'assistant',
      content: response.content,
      ...(response.toolCalls === undefined || response.toolCalls.length === 0 ? {} : { toolCalls: response.toolCalls }),
      metadata,
      ...(turn.options.branchName === undefined ? {} : { branchName: turn.options.branchName }),
    });
    return { ...response, node, costUsd, latencyMs: turn.latencyMs };
  }

  /**
   * Like `complete`, as a stream: yields the provider's parts after `processStreamPart`
   * middleware; the final `end` part is yielded after the assistant node is stored and
   * carries the middleware-processed response. If the stream fails, is aborted, or the
   * caller stops early, the text received so far is stored as an assistant node with
   * `metadata.interrupted = true` under the cursor (the cursor does not move), and the
   * error is rethrown.
   */
  async *stream(options: CompleteOptions = {}): AsyncGenerator<StreamPart, void, undefined> {
    await this.#enforceContextLimit(options.signal);
    const base = this.#path;
    const parent = this.#requireParent(base, 'stream');
    const middleware = this.#activeMiddleware(options.middleware);
    const context = this.#turnContext(parent.node.id, 'stream', 1, new Map(), options.signal);
    let text = '';
    const toolCalls: ToolCall[] = [];
    let started = this.#now();
    let settled = false;
    try {
      const messages = await runRequestMiddleware(
        middleware,
        Object.freeze(base.map((entry) => entry.message)),
        context.view,
      );
      started = this.#now();
      let end: Extract<StreamPart, { type: 'end' }> | undefined;
      for await (const rawPart of this.#llm.stream(messages, this.#callOptions(options))) {
        if (options.signal?.aborted === true) {
          throw new AbortError({
            message: "The stream was aborted by the caller's signal.",
            provider: this.#llm.provider,
            cause: options.signal.reason,
          });
        }
        for (const part of await runStreamPartMiddleware(middleware, frozenClone(rawPart), context.view)) {
          if (part.type === 'end') {
            end = part;
            continue;
          }
          if (part.type === 'text-delta') text += part.text;
          else if (part.type === 'tool-call') toolCalls.push(part.toolCall);
          yield part;
        }
      }
      if (end === undefined) {
        throw new ConversationStateError({
          conversationId: this.#record.id,
          operation: 'stream',
          message: `The provider "${this.#llm.provider}" ended the stream without an \`end\` part; the partial answer was kept as an interrupted node.`,
        });
      }
      const latencyMs = this.#now() - started;
      const assembled = deepFreeze({
        ...end.response,
        content: text,
        ...(toolCalls.length === 0 ? {} : { toolCalls }),
      });
      const response = await runResponseMiddleware(middleware, assembled, context.view);
      const result = await this.#storeAnswer(base, response, {
        latencyMs,
        attempt: 1,
        discarded: [],
        annotations: context.annotations,
        options,
      });
      settled = true;
      const { node: _node, costUsd: _cost, latencyMs: _latency, ...finalResponse } = result;
      yield deepFreeze({ ...end, response: finalResponse });
    } catch (error) {
      settled = true;
      await this.#storeInterrupted(
        parent,
        text,
        toolCalls,
        started,
        context,
        isAbortLike(error, options.signal) ? 'aborted' : 'error',
        error,
      );
      await runErrorMiddleware(middleware, error, context.view);
      throw error;
    } finally {
      // The caller stopped iterating early (break/return): keep what it has seen.
      if (!settled) await this.#storeInterrupted(parent, text, toolCalls, started, context, 'stopped', undefined);
    }
  }

  async #storeInterrupted(
    parent: PathEntry,
    text: string,
    toolCalls: readonly ToolCall[],
    started: number,
    context: TurnContext,
    reason: 'aborted' | 'error' | 'stopped',
    error: unknown,
  ): Promise<void> {
    if (text.length === 0 && toolCalls.length === 0) return;
    try {
      const result = await this.#storage.appendNode({
        conversationId: this.#record.id,
        parentId: parent.node.id,
        node: {
          role: 'assistant',
          content: text,
          ...(toolCalls.length === 0 ? {} : { toolCalls }),
          metadata: {
            ...context.annotations,
            interrupted: true,
            interruption: { reason, ...(error === undefined ? {} : { error: describeError(error) }) },
            model: this.#llm.modelId,
            provider: this.#llm.provider,
            latencyMs: Math.round((this.#now() - started) * 1000) / 1000,
          },
        },
      });
      this.#record = result.conversation;
    } catch {
      // Keeping the partial answer is best effort: the caller must see the original error.
    }
  }

  /**
   * Moves the cursor to `nodeId` (persisted), so the next message starts a branch there.
   * Throws `NodeNotFoundError` for an unknown id.
   */
  async switchToNode(nodeId: string): Promise<void> {
    if (typeof nodeId !== 'string')
      throw new ConversationInputError({ field: 'nodeId', reason: 'must be a dot-path string such as "0.1"' });
    if (this.#record.currentNodeId === nodeId) return;
    const path = await this.#pathTo(nodeId);
    this.#record = await this.#storage.updateConversation({
      conversationId: this.#record.id,
      currentNodeId: nodeId,
      expectedVersion: this.#record.version,
    });
    this.#path = path;
  }

  /** The active path up to `nodeId`: from the cache when `nodeId` is on it, else from the store. */
  async #pathTo(nodeId: string): Promise<PathEntry[]> {
    const depth = depthOf(nodeId);
    if (this.#path[depth]?.node.id === nodeId) return this.#path.slice(0, depth + 1);
    const nodes = await this.#storage.getPath({ conversationId: this.#record.id, nodeId });
    if (nodes.at(-1)?.id !== nodeId) throw new NodeNotFoundError({ conversationId: this.#record.id, nodeId });
    const path: PathEntry[] = [];
    for (const node of nodes) path.push(this.#entry(node, path.at(-1)));
    return path;
  }

  /**
   * Moves the cursor to the parent of `nodeId`, so the next message becomes a sibling of
   * it. The root has no parent and is refused.
   */
  async branchFrom(nodeId: string): Promise<void> {
    const parentId = typeof nodeId === 'string' ? parentIdOf(nodeId) : null;
    if (parentId === null) {
      throw new ConversationStateError({
        conversationId: this.#record.id,
        operation: 'branchFrom',
        message:
          'Cannot branch from the root node "": it has no parent. Branch from one of its children (e.g. "0") instead.',
      });
    }
    const node = await this.#storage.getNode({ conversationId: this.#record.id, nodeId });
    if (node === undefined) throw new NodeNotFoundError({ conversationId: this.#record.id, nodeId });
    await this.switchToNode(parentId);
  }

  /**
   * Stores an edited copy of `nodeId` as its new sibling (same role and tool fields,
   * `metadata.editedFrom` = `nodeId`) and moves the cursor to it. The original stays.
   */
  async editMessage(nodeId: string, content: string): Promise<ConversationNode> {
    if (typeof content !== 'string') throw new ConversationInputError({ field: 'content', reason: 'must be a string' });
    const parentId = typeof nodeId === 'string' ? parentIdOf(nodeId) : null;
    if (parentId === null) {
      throw new ConversationStateError({
        conversationId: this.#record.id,
        operation: 'editMessage',
        message:
          'Cannot edit the root node "": a conversation has one root. Edit a later message, or start a new conversation.',
      });
    }
    const original = await this.#storage.getNode({ conversationId: this.#record.id, nodeId });
    if (original === undefined) throw new NodeNotFoundError({ conversationId: this.#record.id, nodeId });
    const base = await this.#pathTo(parentId);
    return this.#append(base, {
      role: original.role,
      content,
      ...(original.name === undefined ? {} : { name: original.name }),
      ...(original.toolCallId === undefined ? {} : { toolCallId: original.toolCallId }),
      ...(original.toolCalls === undefined ? {} : { toolCalls: original.toolCalls }),
      ...(original.branchName === undefined ? {} : { branchName: original.branchName }),
      metadata: { editedFrom: nodeId },
    });
  }

  /** The children of `nodeId` (default: the cursor) in creation order: the branches that start there. */
  async getBranches(nodeId?: string): Promise<readonly BranchInfo[]> {
    const id = nodeId ?? this.#record.currentNodeId;
    if (id === null) return [];
    const children = await this.#storage.getChildren({ conversationId: this.#record.id, nodeId: id });
    return children.map((child) => ({
      id: child.id,
      branchName: child.branchName,
      role: child.role,
      preview: child.content.slice(0, previewLength),
      timestamp: child.createdAt,
      interrupted: child.metadata['interrupted'] === true,
    }));
  }

  /** Replaces the conversation metadata with `{ ...current, ...patch }` (persisted, version-checked). */
  async updateMetadata(patch: ConversationMetadata): Promise<ConversationMetadata> {
    if (typeof patch !== 'object' || patch === null)
      throw new ConversationInputError({ field: 'patch', reason: 'must be an object' });
    this.#record = await this.#storage.updateConversation({
      conversationId: this.#record.id,
      metadata: { ...this.#record.metadata, ...patch },
      expectedVersion: this.#record.version,
    });
    return this.#record.metadata;
  }

  /** Token and cost totals over the active path (from the cache; no store access). */
  getPathTotals(): ConversationTotals {
    return sumTotals(this.#path.map((entry) => entry.node));
  }

  /**
   * Token and cost totals over every node of every branch, discarded retries and
   * interrupted streams included. Reads the whole tree, so call it on demand, not per turn.
   */
  async getTotals(): Promise<ConversationTotals> {
    const tree = await this.#storage.load({ conversationId: this.#record.id });
    if (tree === undefined) throw new ConversationNotFoundError({ conversationId: this.#record.id });
    return sumTotals(tree.nodes);
  }

  async #enforceContextLimit(signal: AbortSignal | undefined): Promise<void> {
    const limit = this.#contextLimit;
    if (limit === undefined || this.#path.length < 2) return;
    const bodyMessages = this.#path.length - 1;
    const tokens = this.#path.at(-1)!.cumulativeTokens;
    const overMessages = limit.maxMessages !== undefined && bodyMessages > limit.maxMessages;
    const overTokens = limit.maxTokens !== undefined && tokens > limit.maxTokens;
    if (overMessages || overTokens) await this.compact({ ...(signal === undefined ? {} : { signal }) });
  }

  /**
   * Folds the old part of the active path into a summary. Append-only: a `system` summary
   * node (`metadata.summary = true`) is added under the root and the most recent messages
   * are copied after it (`metadata.copiedFrom`), so the new active path is root → summary →
   * recent messages. The old branch stays in the tree. A tool result is never separated
   * from the assistant message that called it. Returns the number of messages folded.
   */
  async compact(options: CompactOptions = {}): Promise<number> {
    const keep = options.keepRecentMessages ?? this.#contextLimit?.keepRecentMessages ?? defaultKeepRecentMessages;
    if (!Number.isInteger(keep) || keep < 0)
      throw new ConversationInputError({ field: 'keepRecentMessages', reason: 'must be an integer ≥ 0' });
    const path = this.#path;
    const root = path[0];
    if (root === undefined) return 0;
    const body = path.slice(1);
    let keepStart = Math.max(0, body.length - keep);
    while (keepStart > 0 && body[keepStart]?.node.role === 'tool') keepStart -= 1;
    const folded = body.slice(0, keepStart);
    const kept = body.slice(keepStart);
    if (folded.length === 0 || (folded.length === 1 && folded[0]!.node.metadata['summary'] === true)) return 0;
    const summarizer: ConversationSummarizer =
      options.summarizer ?? this.#contextLimit?.summarizer ?? new LlmSummarizer({ llm: this.#llm });
    const summary = await summarizer.summarize({
      messages: folded.map((entry) => entry.message),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const summaryMetadata: Record<string, unknown> = {
      summary: true,
      summarizedCount: folded.length,
      summarizedFromNodeId: folded[0]!.node.id,
      summarizedToNodeId: folded.at(-1)!.node.id,
    };
    if (summary.usage !== undefined) {
      summaryMetadata['usage'] = summary.usage;
      summaryMetadata['costUsd'] =
        summary.model === undefined ? null : computeCostUsd(this.#prices, summary.model, summary.usage);
    }
    if (summary.model !== undefined) summaryMetadata['model'] = summary.model;
    if (summary.provider !== undefined) summaryMetadata['provider'] = summary.provider;
    // Build the new branch off to the side; the cursor moves only with the last write.
    let parentId = root.node.id;
    const nodes: ConversationNode[] = [];
    const writes: NewConversationNode[] = [
      { role: 'system', content: summary.content, metadata: summaryMetadata },
      ...kept.map(({ node }) => ({
        role: node.role,
        content: node.content,
        ...(node.name === undefined ? {} : { name: node.name }),
        ...(node.toolCallId === undefined ? {} : { toolCallId: node.toolCallId }),
        ...(node.toolCalls === undefined ? {} : { toolCalls: node.toolCalls }),
        ...(node.promptName === undefined ? {} : { promptName: node.promptName }),
        ...(node.branchName === undefined ? {} : { branchName: node.branchName }),
        metadata: { ...node.metadata, copiedFrom: node.id },
      })),
    ];
    for (let index = 0; index < writes.length; index += 1) {
      const last = index === writes.length - 1;
      const result = await this.#storage.appendNode({
        conversationId: this.#record.id,
        parentId,
        node: writes[index]!,
        moveCursor: last,
        ...(last ? { expectedVersion: this.#record.version } : {}),
      });
      nodes.push(result.node);
      parentId = result.node.id;
      if (last) this.#record = result.conversation;
    }
    const newPath: PathEntry[] = [root];
    for (const node of nodes) newPath.push(this.#entry(node, newPath.at(-1)));
    this.#path = newPath;
    return folded.length;
  }

  /** Remembers the RAG results a prompt node kept (`cacheRag`), by query hash; the earliest node wins. */
  #indexRagResults(node: ConversationNode): void {
    const prompt = (node.metadata as Record<string, unknown> | undefined)?.['prompt'];
    if (typeof prompt !== 'object' || prompt === null) return;
    const runs = (prompt as Record<string, unknown>)['rag'];
    if (!Array.isArray(runs)) return;
    for (const run of runs as unknown[]) {
      if (typeof run !== 'object' || run === null) continue;
      const { queryHash, retrieved } = run as { queryHash?: unknown; retrieved?: unknown };
      if (typeof queryHash !== 'string' || !Array.isArray(retrieved) || this.#ragResults.has(queryHash)) continue;
      const results = (retrieved as unknown[]).filter(isSearchResultLike);
      if (results.length !== retrieved.length) continue;
      this.#ragResults.set(queryHash, { nodeId: node.id, results });
    }
  }
}
