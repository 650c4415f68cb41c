import type { LLMMessage, Usage } from '@dk/spec';

/** Input of {@link ConversationSummarizer.summarize}. */
export interface SummarizeRequest {
  /** The messages being folded away, oldest first (may include an earlier summary). */
  readonly messages: readonly LLMMessage[];
  /** Cancels the summarisation. */
  readonly signal?: AbortSignal;
}

/** A summary produced by a {@link ConversationSummarizer}. */
export interface ConversationSummary {
  /** The summary text, stored as a `system` node. */
  readonly content: string;
  /** Tokens used to produce it, when a model was called. */
  readonly usage?: Usage;
  /** The model that produced it. */
  readonly model?: string;
  /** The provider that produced it. */
  readonly provider?: string;
}

/** Folds a run of old messages into one summary (used by the manager's context limit and `compact`). */
export interface ConversationSummarizer {
  /** Summarises `request.messages`. */
  summarize(request: SummarizeRequest): Promise<ConversationSummary>;
}
