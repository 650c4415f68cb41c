import type { FinishReason, LLMProvider, MessageRole, Usage } from '@dk/spec';

/**
 * A failure the harness makes the provider's backend produce for one request (one HTTP
 * attempt). Each kind must surface as the typed error below, with the retry behaviour shown:
 *
 * | kind | wire form (HTTP providers) | expected error | retried |
 * |---|---|---|---|
 * | `rate-limit` | 429, `Retry-After` / `retry-after-ms` from `retryAfterMs` | `RateLimitError` (`retryAfterMs` set when given) | yes |
 * | `server` | 500 | `ProviderUnavailableError` | yes |
 * | `overloaded` | 529 (Anthropic) / 503 (others) | `ProviderUnavailableError` | yes |
 * | `network` | a 200 whose body the client cannot read (corrupt chunked framing) | `ProviderUnavailableError` | yes |
 * | `invalid-response` | a 200 HTML page (`complete`); a 200 event stream that ends before any event (`stream`); with `shape: 'missing-fields'`, the vendor's 200 answer or stream whose tool call has no tool name | `InvalidResponseError` | yes |
 * | `auth` | 401 | `AuthenticationError` (status 401) | no |
 * | `invalid-request` | 400 | `InvalidRequestError` (status 400) | no |
 * | `context-length` | 400 with the vendor's context-overflow code/message | `ContextLengthExceededError` | no |
 */
export type ScriptedErrorKind =
  | 'rate-limit'
  | 'server'
  | 'overloaded'
  | 'network'
  | 'invalid-response'
  | 'auth'
  | 'invalid-request'
  | 'context-length';

/** A scripted failure of one request. */
export interface ScriptedError {
  readonly kind: ScriptedErrorKind;
  /** For `rate-limit`: the wait the provider asks for, in milliseconds (sent as `retry-after-ms`). */
  readonly retryAfterMs?: number;
  /**
   * Echo the harness's {@link ProviderHarness.secrets} back in everything the failure carries
   * (vendor message, error body, response headers, raw body), as a careless vendor or proxy
   * might. The provider must still keep them out of the error it throws.
   */
  readonly echoSecrets?: boolean;
  /**
   * For `invalid-response` (HTTP harnesses): `html` (default) as in the table above;
   * `missing-fields`: a 200 answer in the vendor's own shape (JSON or event stream) that parses
   * but whose tool call has no tool name, as a broken proxy or a half-compatible server sends.
   */
  readonly shape?: 'html' | 'missing-fields';
}

/** A tool call the scripted model makes. */
export interface ScriptedToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: Readonly<Record<string, unknown>>;
}

/**
 * What the provider's backend answers to ONE request (one attempt): the harness serves the
 * scripted turns in order, one per request, whether the request is a `complete` or a `stream`
 * call. A retried call therefore consumes one turn per attempt.
 */
export interface ScriptedTurn {
  /** The answer text. Default `''`. */
  readonly text?: string;
  /** Tool calls in the answer (arguments as objects; the harness serialises them as the vendor does). */
  readonly toolCalls?: readonly ScriptedToolCall[];
  /** Portable finish reason; the harness sends the vendor's equivalent. Default `tool_calls` when there are tool calls, else `stop`. */
  readonly finishReason?: Exclude<FinishReason, 'other'>;
  /**
   * Token counts reported by the backend (default: the harness's choice); `null`: the backend
   * reports no usage at all (as some OpenAI-compatible servers do, in streams especially).
   */
  readonly usage?: Usage | null;
  /** Fail this request instead of answering. */
  readonly error?: ScriptedError;
  /**
   * Answer normally up to the text, then fail: a stream sends its text chunks and then this
   * error as an error event inside the 200 stream (`network`: the body breaks off instead);
   * `complete` fails with it as with {@link ScriptedTurn.error}.
   */
  readonly errorAfterOutput?: ScriptedError;
  /** Wait this long before answering (before the response headers for HTTP backends). */
  readonly delayMs?: number;
  /** How the text is split into streamed deltas (their concatenation must equal `text`). Default: harness's choice. */
  readonly chunks?: readonly string[];
  /** When streaming: wait this long before each chunk after the first. Default 0. */
  readonly chunkDelayMs?: number;
}

/** A message as the provider received it, translated back to the portable shape. */
export interface RecordedMessage {
  /** System prompts hoisted by the vendor format (Anthropic `system`) are reported as leading `system` messages. */
  readonly role: MessageRole;
  /** Text content (text blocks joined). */
  readonly content: string;
  /** For `tool` messages (Anthropic `tool_result` blocks become separate `tool` messages). */
  readonly toolCallId?: string;
  /** For `tool` messages: the error flag as the wire carried it (only harnesses with {@link ProviderHarness.toolErrorFlag}). */
  readonly isError?: boolean;
  /** For `assistant` messages with tool calls, arguments parsed. */
  readonly toolCalls?: readonly ScriptedToolCall[];
}

/** One request (one attempt) the provider received, translated back to portable fields. */
export interface RecordedRequest {
  /** The model the request named. */
  readonly model: string | undefined;
  readonly messages: readonly RecordedMessage[];
  readonly temperature?: number;
  /** `max_tokens`, `max_completion_tokens`, … */
  readonly maxTokens?: number;
  readonly topP?: number;
  readonly stop?: readonly string[];
  readonly seed?: number;
  /** Names of the tools offered. */
  readonly toolNames?: readonly string[];
  /** Whether the request asked for a streamed answer. */
  readonly stream: boolean;
  /** The raw request (wire body, or the echo provider's recorded call), for debugging. */
  readonly raw?: unknown;
}

/** What the suite asks of a harness when it creates one. */
export interface ProviderHarnessOptions {
  /**
   * Retry settings the harness MUST pass as the provider's `settings.retry`, so the suite's
   * retries wait milliseconds, not seconds: `{ maxRetries: 2, baseDelayMs: 1, maxDelayMs: 20 }`.
   * The harness must not set a default `timeoutMs` on the provider.
   */
  readonly retry: { readonly maxRetries: number; readonly baseDelayMs: number; readonly maxDelayMs: number };
}

/**
 * A provider wired to a scriptable backend (a local HTTP server speaking the vendor's wire
 * protocol through the real SDK, or the echo provider's own script). One harness per test.
 */
export interface ProviderHarness {
  /** The provider under test, created with {@link ProviderHarnessOptions.retry}. */
  readonly provider: LLMProvider;
  /** Appends turns the provider serves, one per request, in order. */
  script(turns: readonly ScriptedTurn[]): void;
  /** Every request received so far (one per attempt), oldest first. */
  requests(): readonly RecordedRequest[];
  /**
   * The backend receives an error flag on tool results (Anthropic `tool_result.is_error`, the
   * echo provider's messages as given), and {@link RecordedMessage.isError} reports it. Vendors
   * without one (OpenAI) only see the error text. Default `false`.
   */
  readonly toolErrorFlag?: boolean;
  /** Secrets (API keys) the provider holds; the suite checks no error message contains them. */
  readonly secrets?: readonly string[];
  /** Stops the backend and closes the provider (tolerates a provider closed by the test). */
  close(): Promise<void>;
}

/** Creates a fresh harness for one test. */
export type CreateProviderHarness = (options: ProviderHarnessOptions) => Promise<ProviderHarness> | ProviderHarness;
