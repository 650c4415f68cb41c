import type { FinishReason, LLMMessage, ProviderError, CompletionOptions, ToolCall, Usage } from '@dk/spec';

/** Kinds of scripted failures; each becomes the typed error a real vendor's failure would. */
export type EchoErrorKind =
  | 'rate-limit'
  | 'server'
  | 'overloaded'
  | 'network'
  | 'invalid-response'
  | 'auth'
  | 'invalid-request'
  | 'context-length';

/**
 * A scripted failure: a kind (mapped like the matching HTTP failure: `rate-limit` → 429
 * `RateLimitError`, `server` → 500 and `overloaded` → 529 `ProviderUnavailableError`,
 * `network` → a connection failure (`ProviderUnavailableError`), `invalid-response` → a
 * malformed answer (`InvalidResponseError`), `auth` → 401 `AuthenticationError`,
 * `invalid-request` → 400 `InvalidRequestError`, `context-length` →
 * `ContextLengthExceededError`), or any `ProviderError` instance thrown as is.
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
  /**
   * Reported usage. Default: the mock estimate (none with `mockUsage: false`). `null`: the
   * answer reports no usage, as some servers do (the response's `usage` is then `undefined`).
   */
  readonly usage?: Usage | null;
  /** Reported model. Default: the call's `model` option, else the provider's model. */
  readonly model?: string;
  /** Extra response metadata. */
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** Fail this attempt instead of answering (retryable kinds go through the normal retry path). */
  readonly error?: EchoScriptedError;
  /**
   * Answer, then fail: `stream()` yields the text deltas and then throws this failure (as an
   * error inside the stream, so it is not retried); `complete()` fails with it at once.
   */
  readonly errorAfterOutput?: EchoScriptedError;
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
