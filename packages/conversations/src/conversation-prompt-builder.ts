/** Options the manager passes when it renders a named prompt. */
export interface PromptRenderOptions {
  /** Template parameters. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Whether to run the prompt's RAG searches. */
  readonly includeRag?: boolean;
  /** Cancels RAG searches. */
  readonly signal?: AbortSignal;
}

/** What the manager reads from a rendered prompt. */
export interface RenderedPromptLike {
  /** The rendered text, stored as the message content. */
  readonly content: string;
  /** Hash of the rendered content, recorded on the node. */
  readonly contentHash?: string;
  /** RAG metadata (queries, hashes, results), recorded on the node. */
  readonly ragMetadata?: unknown;
}

/**
 * What `ConversationManager` needs from a prompt builder. `@dk/prompts`' `PromptBuilder`
 * satisfies it structurally; any object with these two methods does.
 */
export interface ConversationPromptBuilder {
  /** Renders the named system prompt. */
  renderSystemPrompt(name: string, options?: PromptRenderOptions): Promise<RenderedPromptLike>;
  /** Renders the named user prompt. */
  renderUserPrompt(name: string, options?: PromptRenderOptions): Promise<RenderedPromptLike>;
}
