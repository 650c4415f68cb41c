import type { ConversationNode, LLMResponse } from '@dk/spec';
import type { CompletionStep, PendingToolCall, TurnStatus } from './turn-types.js';

/**
 * What `complete`, `regenerate` and `stream` (in its last part) return: the last model
 * response after middleware, the node stored last, and the turn's steps.
 */
export interface CompletionResult<Output = unknown> extends LLMResponse {
  /** The last node stored: the answer, or (when tool calls are pending) the last step's last node. */
  readonly node: ConversationNode;
  /** Cost of the last model call in US dollars, `null` when the model has no price or the usage is unknown. */
  readonly costUsd: number | null;
  /** Time spent in the last provider call, in milliseconds. */
  readonly latencyMs: number;
  /** `complete` (an answer), `pending-tool-calls` (see `pendingToolCalls`) or `max-steps`. */
  readonly status: TurnStatus;
  /** Every model call of the turn with its tool results. One step for a plain answer. */
  readonly steps: readonly CompletionStep[];
  /** Tool calls left without a result (approval, client-side tools, interruptions). */
  readonly pendingToolCalls: readonly PendingToolCall[];
  /** With `output`: the parsed, validated answer (typed from a Standard Schema). */
  readonly object: Output;
}
