import type { ConversationMetadata, LLMMessage, LLMResponse, StreamPart, Usage } from '@dk/spec';

/** One model call made for a turn, as recorded on the assistant node and counted in totals and budgets. */
export interface ModelCallRecord {
  /** Why the call was made: `answer` (the turn's own call), `judge` (a validation call), or any label a middleware gives. */
  readonly purpose: string;
  /** Provider id of the model called. */
  readonly provider: string;
  /** The model that answered. */
  readonly model: string;
  /** Token usage; `undefined` when the provider did not report it (unknown, never counted as 0). */
  readonly usage: Usage | undefined;
  /** Cost in US dollars; `null` when the model has no price or the usage is unknown. */
  readonly costUsd: number | null;
  /** Time the call took, in milliseconds, when known. */
  readonly latencyMs?: number;
  /** When `usage` is unknown: the manager's estimate of the tokens (prompt + answer text), for budgets. */
  readonly estimatedTokens?: number;
  /**
   * The node that stores this call's usage when it is not the answer node — the summary
   * node of an automatic compaction. `getTotals()` counts the call there, once.
   */
  readonly nodeId?: string;
}

/** What a middleware passes to {@link MiddlewareContext.recordModelCall}. */
export interface RecordModelCallOptions {
  /** Why the call was made, e.g. `judge`. */
  readonly purpose: string;
  /** The response of the call (its model and usage are recorded). */
  readonly response: LLMResponse;
  /** Provider id of the model called. Default: the response's `metadata.provider`, else `unknown`. */
  readonly provider?: string;
  /** Time the call took, in milliseconds. */
  readonly latencyMs?: number;
}

/**
 * What middleware sees about the turn in progress. Writable: `metadata` and `turnData`
 * (per-turn scratch space shared by all middleware, never stored), `setNodeMetadata`
 * (data persisted on the assistant node) and `recordModelCall` (model calls a middleware
 * makes, counted in the node's record, the totals and token budgets).
 */
export interface MiddlewareContext {
  /** The conversation being completed. */
  readonly conversationId: string;
  /** The node the response will be appended under (the cursor when the turn started). */
  readonly parentNodeId: string;
  /**
   * A copy of the conversation's metadata for this turn. Middleware may write to it (the
   * guide's `state.metadata["request_start"] = …`): the writes are seen by the other hooks
   * of the same turn and are NOT stored. Persist conversation metadata with
   * `manager.updateMetadata`, node metadata with {@link MiddlewareContext.setNodeMetadata}.
   */
  readonly metadata: Record<string, unknown>;
  /** `complete`, `stream`, or `tool-approval` (a tool run by `approveToolCall`). */
  readonly operation: 'complete' | 'stream' | 'tool-approval';
  /** Which attempt of the current step this is: 1, then 2, 3, … when a middleware asked for a retry. */
  readonly attempt: number;
  /** Which step of the turn this is: each model call of a tool loop is a step (1-based). */
  readonly step: number;
  /** Provider id of the model being called (`echo`, `openai`, …). */
  readonly provider: string;
  /** Default model of the provider being called. */
  readonly modelId: string;
  /** The caller's abort signal, if any. */
  readonly signal: AbortSignal | undefined;
  /** Scratch space shared by the middleware of one turn (all attempts); never persisted. */
  readonly turnData: Map<unknown, unknown>;
  /**
   * Records `value` under `key` in the metadata of the assistant node this turn stores.
   * Values must be JSON-serialisable. Canonical keys written by the manager (`model`,
   * `usage`, `costUsd`, …) win over middleware keys. Reset at the start of every attempt.
   */
  setNodeMetadata(key: string, value: unknown): void;
  /** The metadata recorded so far with {@link MiddlewareContext.setNodeMetadata} (a frozen copy). */
  readonly nodeMetadata: ConversationMetadata;
  /**
   * Records a model call this middleware made for the turn (a judge, a classifier…): it is
   * stored under `modelCalls` on the assistant node and counted by `getTotals()` and token
   * budgets. Calls recorded during an attempt that is retried are kept with that attempt.
   */
  recordModelCall(options: RecordModelCallOptions): void;
  /** The model calls of this turn so far (every attempt), the turn's own answers included once they arrive. */
  readonly modelCalls: readonly ModelCallRecord[];
}

/** What `processStreamPart` may return: the part (possibly changed), several parts, or nothing (`null`/`[]` drops it). */
export type StreamPartResult = StreamPart | readonly StreamPart[] | null | undefined;

/**
 * Code that runs around every model call of a `ConversationManager`.
 *
 * Every hook runs in LIST order — a pipeline, not an onion: `processRequest` before the
 * call, then `processResponse` (and `processStreamPart` for each streamed part) after it,
 * first middleware first. So the guide's order `[Logging, ContentFilter, Validation,
 * Metadata]` logs the raw exchange, filters, validates the filtered text and adds
 * metadata last. `afterTurn` runs once the answer is stored, with the turn's accounting.
 *
 * Messages and stream parts are deep-frozen copies: return a new value to change them. A
 * response is a fresh mutable copy for each middleware: return a new one, or change it in
 * place (`response.metadata['x'] = …`); metadata a middleware adds to the response is
 * stored on the assistant node. Stored nodes are never affected by accident. Returning
 * `undefined` keeps the (possibly changed) value. Throwing aborts the turn (after `onError`
 * hooks run); throwing a `ResponseValidationError` with `requestsTurnRetry` repeats the call.
 */
export interface ConversationMiddleware {
  /** Short name for logs. Default: the class name. */
  readonly name?: string;
  /** Sees (and may replace) the messages sent to the model. */
  processRequest?(
    messages: readonly LLMMessage[],
    context: MiddlewareContext,
  ): readonly LLMMessage[] | undefined | void | Promise<readonly LLMMessage[] | undefined | void>;
  /** Sees (and may replace) the model's response; in streams, the assembled response at the end. */
  processResponse?(
    response: LLMResponse,
    context: MiddlewareContext,
  ): LLMResponse | undefined | void | Promise<LLMResponse | undefined | void>;
  /** Sees each stream part on its way to the caller; may change, split, hold back or drop parts. */
  processStreamPart?(part: StreamPart, context: MiddlewareContext): StreamPartResult | Promise<StreamPartResult>;
  /** Observes a failed turn (model, store or middleware error). Errors thrown here are ignored. */
  onError?(error: unknown, context: MiddlewareContext): void | Promise<void>;
  /**
   * Sees each tool call before it runs (after its arguments were validated), in list order;
   * may return changed arguments. Throwing refuses the call: the error message goes back to
   * the model as the tool's result (e.g. a per-user tool rate limit).
   */
  processToolCall?(
    call: ToolCallInfo,
    context: MiddlewareContext,
  ): ToolCallInfo | undefined | void | Promise<ToolCallInfo | undefined | void>;
  /** Sees each tool result before it is stored and sent to the model, in list order; may replace it (e.g. redaction). */
  processToolResult?(
    result: ToolResultInfo,
    context: MiddlewareContext,
  ): ToolResultInfo | undefined | void | Promise<ToolResultInfo | undefined | void>;
  /**
   * Observes a finished turn after its answer is stored: every model call it made (answers,
   * discarded attempts, judges) with usage and cost. Token accounting belongs here. Errors
   * thrown here are ignored (the answer is already stored).
   */
  afterTurn?(turn: TurnSummary, context: MiddlewareContext): void | Promise<void>;
}

/** A tool call as tool middleware sees it. */
export interface ToolCallInfo {
  readonly toolCallId: string;
  readonly toolName: string;
  /** The validated arguments `execute` will receive. */
  readonly arguments: unknown;
}

/** A tool result as tool middleware sees it. */
export interface ToolResultInfo {
  readonly toolCallId: string;
  readonly toolName: string;
  /** What `execute` returned (`undefined` for errors). */
  readonly output: unknown;
  /** The text stored and sent to the model. */
  readonly content: string;
  readonly isError: boolean;
}

/** What {@link ConversationMiddleware.afterTurn} receives. */
export interface TurnSummary {
  /** Id of the stored assistant node. */
  readonly nodeId: string;
  /** Every model call of the turn, in order. */
  readonly modelCalls: readonly ModelCallRecord[];
  /** Summed known usage of those calls. */
  readonly usage: Usage;
  /** Calls whose usage the provider did not report (not in `usage`). */
  readonly unknownUsageCalls: number;
}
