import type { SearchOptions } from '@dk/spec';

/**
 * A search result as a RAG adapter may return it: `content` and `score` are needed, `id`
 * and `metadata` may be left out (they default to a hash of the content and `{}`).
 */
export interface RagAdapterResult {
  readonly content: string;
  /** Relevance in 0–1, higher is better. */
  readonly score: number;
  readonly id?: string;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/**
 * What RAG searches need from an adapter: a `search(query, options)` method, nothing else.
 * Every `SearchAdapter` of `@dk/spec` is one, and so is a plain object such as a test's
 * `{ search: async () => [{ content: 'Test result', score: 0.9 }] }`. Its name is the key it
 * is registered under (or its own `name` when adapters are given as a list).
 */
export interface RagAdapter {
  /** The adapter's own name; used when adapters are given as a list instead of a record. */
  readonly name?: string;
  /** Runs one search; `options.signal` is aborted on timeout or when the caller cancels. */
  search(query: string, options?: SearchOptions): Promise<readonly RagAdapterResult[]> | readonly RagAdapterResult[];
}
