import type { ToolCall } from './llm-message.js';

/**
 * Why generation stopped. `other` covers vendor reasons with no portable meaning; the raw
 * vendor value is kept in `LLMResponse.metadata.rawFinishReason`.
 */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'other';

/**
 * Token counts of one call, as the vendor reported them. A response whose vendor reported no
 * usage has no `usage` at all (unknown, never zeros): see {@link LLMResponse.usage}.
 */
export interface Usage {
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly totalTokens: number;
}

/** Something the provider could not honour, reported instead of thrown (e.g. an ignored setting). */
export type ProviderWarning =
  | { readonly type: 'unsupported-setting'; readonly setting: string; readonly details?: string }
  | { readonly type: 'other'; readonly message: string };

/** The result of one completion. */
export interface LLMResponse {
  readonly content: string;
  /** The model that answered, as reported by the vendor. */
  readonly model: string;
  readonly finishReason: FinishReason;
  /**
   * Token counts of the call, or `undefined` when the vendor did not report them (some
   * OpenAI-compatible servers, streams without usage): the cost is unknown, not zero, and a
   * warning says so. Never filled with zeros.
   */
  readonly usage?: Usage | undefined;
  readonly toolCalls?: readonly ToolCall[];
  /** With a JSON `responseFormat`: the parsed (and, for a schema, validated) value. */
  readonly parsed?: unknown;
  /** Provider details: `provider`, `requestId`, `rawFinishReason`, `attempts`, … */
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly warnings: readonly ProviderWarning[];
}
