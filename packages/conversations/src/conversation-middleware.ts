import type { ConversationMetadata, LLMMessage, LLMResponse, StreamPart } from '@dk/spec';

/**
 * What middleware sees about the turn in progress. Everything is read-only except
 * `turnData` (scratch space shared by all middleware for the turn) and `setNodeMetadata`
 * (data persisted on the assistant node).
 */
export interface MiddlewareContext {
  /** The conversation being completed. */
  readonly conversationId: string;
  /** The node the response will be appended under (the cursor when the turn started). */
  readonly parentNodeId: string;
  /** The conversation's metadata (a frozen copy). */
  readonly metadata: ConversationMetadata;
  /** `complete` or `stream`. */
  readonly operation: 'complete' | 'stream';
  /** Which model call of the turn this is: 1, then 2, 3, … when a middleware asked for a retry. */
  readonly attempt: number;
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
}

/** What `processStreamPart` may return: the part (possibly changed), several parts, or nothing (`null`/`[]` drops it). */
export type StreamPartResult = StreamPart | readonly StreamPart[] | null | undefined;

/**
 * Code that runs around every model call of a `ConversationManager`.
 *
 * `processRequest` runs in list order before the call, `processResponse` and
 * `processStreamPart` in reverse order after it (an onion: the first middleware sees the
 * request first and the response last). Messages, responses and parts are deep-frozen
 * copies: return a new value to change them; stored nodes are never affected. Returning
 * `undefined` keeps the value unchanged. Throwing aborts the turn (after `onError` hooks
 * run); throwing a `ResponseValidationError` with `requestsTurnRetry` repeats the call.
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
}
