import { DkError } from './dk-error.js';

/** Options of a {@link RagSearchError}. */
export interface RagSearchErrorOptions {
  /** What failed and how to fix it. */
  readonly message: string;
  /** Name of the adapter that failed (or was not found). */
  readonly adapterName: string;
  /** Placeholder the search was filling, when known (`RAG_CONTENT`). */
  readonly placeholder?: string;
  /** Stable code; default `RAG_SEARCH_FAILED`. */
  readonly code?: string;
  readonly cause?: unknown;
}

/**
 * A RAG search failed: the adapter rejected, was not registered, or was given invalid
 * options. The query text is deliberately not a field: it is built from user input.
 */
export class RagSearchError extends DkError {
  static override readonly errorName: string = 'RagSearchError';

  /** Name of the adapter that failed. */
  readonly adapterName: string;
  /** Placeholder the search was filling, when known. */
  readonly placeholder: string | undefined;

  constructor(options: RagSearchErrorOptions) {
    super({ message: options.message, code: options.code ?? 'RAG_SEARCH_FAILED', cause: options.cause });
    this.adapterName = options.adapterName;
    this.placeholder = options.placeholder;
  }

  override get fields(): Readonly<Record<string, unknown>> {
    return { adapterName: this.adapterName, placeholder: this.placeholder };
  }
}
