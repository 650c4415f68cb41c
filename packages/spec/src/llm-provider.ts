import type { LLMMessage } from './llm-message.js';
import type { EmbeddingOptions } from './embedding-model.js';
import type { CompletionOptions } from './llm-options.js';
import type { LLMResponse } from './llm-response.js';
import type { StreamPart } from './llm-stream-part.js';

/** Messages for a call, or a single string sent as one user message. */
export type LLMInput = readonly LLMMessage[] | string;

/**
 * The contract every LLM provider implements (echo, OpenAI, Anthropic, …).
 *
 * Failures are thrown as subclasses of `ProviderError`. Retryable failures are retried with
 * backoff up to `maxRetries`; `signal` and `timeoutMs` cut through retries at once.
 */
export interface LLMProvider {
  /** Version of this contract the provider implements. */
  readonly specificationVersion: 'v1';
  /** Stable provider id: `echo`, `openai`, `anthropic`, … */
  readonly provider: string;
  /** Default model of this provider instance (`gpt-4o-mini`, `claude-sonnet-4-5`, …). */
  readonly modelId: string;
  /** Generates one response. */
  complete(input: LLMInput, options?: CompletionOptions): Promise<LLMResponse>;
  /** Generates one response as a stream of parts ending with an `end` part. */
  stream(input: LLMInput, options?: CompletionOptions): AsyncIterable<StreamPart>;
  /** Embeds texts, one vector per text in input order (providers that support it). */
  embed?(texts: readonly string[], options?: EmbeddingOptions): Promise<number[][]>;
  /**
   * Checks that the provider can be used, without generating: its credentials are present
   * and the vendor accepts them (e.g. by listing models, which costs nothing). Rejects with
   * `AuthenticationError` for missing or refused credentials, or another `ProviderError`
   * when the vendor cannot be reached. Health checks call it.
   */
  ping?(options?: { readonly signal?: AbortSignal }): Promise<void>;
  /** Releases resources. Idempotent; later calls fail with `InvalidRequestError`. */
  close(): Promise<void>;
}
