import type { FinishReason, LLMMessage, ProviderError, CompletionOptions, ToolCall, Usage } from '@dk/spec';

/** Kinds of scripted failures; each becomes the typed error a real vendor's failure would. */
export type EchoErrorKind = 'rate-limit' | 'server' | 'overloaded' | 'auth' | 'invalid-request' | 'context-length';

/**
 * A scripted failure: a kind (mapped like the matching HTTP failure: `rate-limit` → 429
 * `RateLimitError`, `server` → 500 and `overloaded` → 529 `ProviderUnavailableError`, `auth` →
 * 401 `AuthenticationError`, `invalid-request` → 400 `InvalidRequestError`, `context-length`
 * → `ContextLengthExceededError`), or any `ProviderError` instance thrown as is.
 */
export type EchoScriptedError =
  { readonly kind: EchoErrorKind; readonly retryAfterMs?: number; readonly message?: string } | ProviderError;

/** A tool call in a scripted response; `id` defaults to `call_<n>`. */
export interface EchoToolCall {
  readonly id?: string;
  readonly name: string;
  readonly arguments?: Readonly<Record<string, unknown>>;
}

/** A fully scripted answer (or failure) of one attempt. */
export interface EchoScriptedResponse {
  /** Answer text. Default `''`. */
  readonly content?: string;
  readonly toolCalls?: readonly (EchoToolCall | ToolCall)[];
  /** Default `tool_calls` when there are tool calls, else `stop`. */
  readonly finishReason?: FinishReason;
  /** Reported usage. Default: the mock estimate (or zeros with `mockUsage: false`). */
  readonly usage?: Usage;
  /** Reported model. Default: the call's `model` option, else the provider's model. */
  readonly model?: string;
  /** Extra response metadata. */
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** Fail this attempt instead of answering (retryable kinds go through the normal retry path). */
  readonly error?: EchoScriptedError;
  /** Wait before answering, in ms (abortable). Overrides the provider's `delayMs`. */
  readonly delayMs?: number;
  /** How `stream()` splits the content (must join to `content`). Default: `streamChunkSize` pieces. */
  readonly chunks?: readonly string[];
  /** When streaming, wait before each chunk after the first, in ms. Overrides `streamDelayMs`. */
  readonly chunkDelayMs?: number;
}

/** A scripted answer: plain text, or a {@link EchoScriptedResponse}. */
export type EchoResponse = string | EchoScriptedResponse;

/**
 * Computes the answer of a call; return `undefined` to fall through to patterns, the queue and
 * the default echo. May be async.
 */
export type EchoResponseFunction = (
  messages: readonly LLMMessage[],
  options: CompletionOptions,
) => EchoResponse | undefined | Promise<EchoResponse | undefined>;

/** A response served when `pattern` matches the user messages (all user contents joined by a space). */
export interface EchoPatternResponse {
  /** A RegExp, or a string compiled case-insensitively. Tested with `search` semantics. */
  readonly pattern: RegExp | string;
  readonly response: EchoResponse;
}
