import type { RetrySettings } from '@dk/provider-utils';

/** Settings of {@link OpenAIProvider}; every field is optional. */
export interface OpenAIProviderSettings {
  /** Default chat model. Default `gpt-4o-mini`. */
  readonly model?: string;
  /**
   * API key. Default: `OPENAI_API_KEY`, read at call time (never at import or construction).
   * With a custom `baseURL` a missing key is allowed and no `Authorization` header is sent,
   * for local OpenAI-compatible servers (Ollama, vLLM, llama.cpp, LM Studio).
   */
  readonly apiKey?: string;
  /** API root, e.g. `http://localhost:11434/v1` for Ollama. Default `https://api.openai.com/v1`. */
  readonly baseURL?: string;
  readonly organization?: string;
  readonly project?: string;
  /** Headers sent with every request. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The `fetch` used for HTTP (inject for tests or proxies). Default `globalThis.fetch`. */
  readonly fetch?: typeof globalThis.fetch;
  /** Retry policy for retryable failures (429, 408, 409, 5xx, connection resets). */
  readonly retry?: RetrySettings;
  /** Default deadline of one call in milliseconds, retries included. Default 600 000 (10 min). */
  readonly timeoutMs?: number;
  /** Model of `embed`. Default `text-embedding-3-small`. */
  readonly embeddingModel?: string;
  /**
   * Treat the model as a reasoning model (o1/o3/o4/gpt-5 families): `maxTokens` is sent as
   * `max_completion_tokens`, `temperature` and `topP` are dropped with a warning. Default:
   * detected from the model name.
   */
  readonly reasoningModel?: boolean;
  /** Send `strict: true` with JSON Schema response formats (the schema must then follow OpenAI's strict rules). Default false. */
  readonly strictJsonSchema?: boolean;
  /** Where `OPENAI_API_KEY` is read from. Default `process.env`, read at call time. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}
