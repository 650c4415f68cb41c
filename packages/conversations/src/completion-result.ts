import type { ConversationNode, LLMResponse } from '@dk/spec';

/** A completion as returned by `complete` and `regenerate`: the (middleware-processed) response and its stored node. */
export interface CompletionResult extends LLMResponse {
  /** The assistant node that was stored (the new cursor). */
  readonly node: ConversationNode;
  /** Cost of this call in US dollars, `null` when the model has no price or the usage is unknown. */
  readonly costUsd: number | null;
  /** Time spent in the provider call, in milliseconds. */
  readonly latencyMs: number;
}
