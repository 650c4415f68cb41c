import type { ToolCall } from './llm-message.js';

/**
 * Why generation stopped. `other` covers vendor reasons with no portable meaning; the raw
 * vendor value is kept in `LLMResponse.metadata.rawFinishReason`.
 */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'other';

/** Token counts of one call. */
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
  readonly usage: Usage;
  readonly toolCalls?: readonly ToolCall[];
  /** With a JSON `responseFormat`: the parsed (and, for a schema, validated) value. */
  readonly parsed?: unknown;
  /** Provider details: `provider`, `requestId`, `rawFinishReason`, `attempts`, … */
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly warnings: readonly ProviderWarning[];
}
