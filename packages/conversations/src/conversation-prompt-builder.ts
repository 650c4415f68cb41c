import type { ValidationLevel } from '@dk/templates';

/** Options the manager passes when it renders a named prompt. */
export interface PromptRenderOptions {
  /** Template parameters. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Whether to run the prompt's RAG searches. */
  readonly includeRag?: boolean;
  /** Per-call validation level of required parameters (wins over the prompt's and the builder's). */
  readonly validationLevel?: ValidationLevel;
  /** Cancels RAG searches. */
  readonly signal?: AbortSignal;
}

/**
 * What the manager reads from one RAG search of a render (`@dk/rag`'s `RagRun`); all
 * fields optional so other builders can report less.
 */
export interface RagRunLike {
  readonly placeholder?: string;
  readonly adapterName?: string;
  readonly configName?: string | undefined;
  readonly query?: string;
  readonly k?: number;
  readonly status?: string;
  readonly results?: readonly { readonly id?: string | undefined; readonly score?: number | undefined; readonly citation?: number | undefined }[];
  readonly durationMs?: number;
}

/** What the manager reads from a rendered prompt (`@dk/prompts`' `PromptRenderResult`). */
export interface RenderedPromptLike {
  /** The rendered text, stored as the message content. */
  readonly content: string;
  /** Hash of the resolved prompt definition (template, defaults, validation, RAG configs) that produced the content; recorded on the node so a response traces back to the exact prompt. */
  readonly contentHash?: string;
  /** Version of the prompt that was rendered, recorded on the node. */
  readonly version?: string | undefined;
  /** The RAG searches that ran; recorded on the node as queries, adapters and result ids/scores (not the result text, which is in the content). */
  readonly rag?: readonly RagRunLike[];
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
