/** A JSON Schema document (draft 2020-12 or 07), as a plain object. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** A tool the model may call. */
export interface ToolDefinition {
  readonly name: string;
  readonly description?: string;
  /** JSON Schema of the arguments object. */
  readonly parameters: JsonSchema;
}

/** How the model may use tools: freely, never, at least one, or one named tool. */
export type ToolChoice = 'auto' | 'none' | 'required' | { readonly type: 'tool'; readonly name: string };

/**
 * Shape of the answer: free text (default), any JSON object, or JSON matching a schema.
 * With `json-schema`, the response's `parsed` value is validated against the schema and a
 * mismatch raises `StructuredOutputError`.
 */
export type ResponseFormat =
  | { readonly type: 'text' }
  | { readonly type: 'json' }
  | {
      readonly type: 'json-schema';
      readonly schema: JsonSchema;
      /** Schema name sent to vendors that require one (default `response`). */
      readonly name?: string;
      readonly description?: string;
    };

/** Per-call settings of {@link LLMProvider.complete} and {@link LLMProvider.stream}. */
export interface CompletionOptions {
  /** Overrides the provider's configured model for this call. */
  readonly model?: string;
  readonly temperature?: number;
  /** Upper bound on generated tokens. */
  readonly maxTokens?: number;
  readonly topP?: number;
  readonly stop?: readonly string[];
  readonly seed?: number;
  readonly responseFormat?: ResponseFormat;
  readonly tools?: readonly ToolDefinition[];
  readonly toolChoice?: ToolChoice;
  /** Aborts the call, including any retry backoff, with `AbortError`. */
  readonly signal?: AbortSignal;
  /** Deadline for the whole call in milliseconds, retries included; `TimeoutError` when exceeded. */
  readonly timeoutMs?: number;
  /** Retries of retryable failures after the first attempt (provider default applies when unset). */
  readonly maxRetries?: number;
  /** Extra HTTP headers for this call. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Vendor-specific settings, keyed by provider name (`{ openai: { … } }`). */
  readonly providerOptions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}
