import type { CompletionOptions, LLMMessage, LLMResponse, StreamPart } from '@dk/spec';

/**
 * The per-call settings a model attempt translates into the vendor request: everything of
 * `CompletionOptions` except what the retry wrapper consumes (`signal`, `timeoutMs`,
 * `maxRetries`) and the headers, which come with {@link AttemptOptions}.
 */
export type ModelCallOptions = Omit<CompletionOptions, 'signal' | 'timeoutMs' | 'maxRetries' | 'headers'>;

/** One completion request, as a model attempt receives it: input checked, options checked. */
export interface ModelRequest {
  /** The messages (a string input already turned into one user message). */
  readonly messages: readonly LLMMessage[];
  readonly options: ModelCallOptions;
}

/** One embedding request, as a model attempt receives it. */
export interface EmbedRequest {
  /** The texts (a non-empty array of strings). */
  readonly texts: readonly string[];
  /** The model the caller asked for, if any. */
  readonly model: string | undefined;
}

/**
 * How one attempt is sent: pass `signal` and `timeoutMs` straight to the vendor client (e.g.
 * `client.create(body, { signal, timeout: timeoutMs, headers })`); the wrapper does the rest.
 */
export interface AttemptOptions {
  /**
   * Aborted when the caller's signal aborts or the call's deadline passes; one signal per call,
   * never the caller's own. The vendor client must stop the request, and a stream's body, when it
   * aborts. `undefined` when nothing can abort the call, and for a stream when the caller gave no
   * signal: then the deadline closes the stream `doStream` returned (see there), which costs the
   * vendor client less than a signal does.
   */
  readonly signal: AbortSignal | undefined;
  /** Milliseconds left before the call's deadline (at least 1), or `undefined` without one. */
  readonly timeoutMs: number | undefined;
  /** Extra HTTP headers of this call (`CompletionOptions.headers`), if any. */
  readonly headers: Record<string, string> | undefined;
}

/**
 * The single-attempt model a vendor package implements: one request to the vendor per call of
 * a `do…` method, no retries, no deadline of its own. `BaseProvider` turns it into the public
 * `LLMProvider` (retries with backoff, `Retry-After`, the whole-call deadline, abort, typed and
 * redacted errors, attempt counts). Vendor failures may be thrown as the vendor client throws
 * them; the provider's `mapError` translates them into `ProviderError`s.
 */
export interface ProviderModel {
  /** Stable provider id: `openai`, `anthropic`, … */
  readonly provider: string;
  /** The default model of this instance. */
  readonly modelId: string;
  /** Sends one completion request and returns the response (`metadata.attempts` is set by the wrapper). */
  doComplete(request: ModelRequest, options: AttemptOptions): Promise<LLMResponse>;
  /**
   * Sends one streaming request; resolves once the vendor accepted it, with the stream of
   * parts. Every part is output: the wrapper retries an attempt only until its first part
   * arrives. The stream ends with an `end` part, or throws (a stream that ends early must
   * throw, e.g. `InvalidResponseError`). Closing it (its iterator's `return()`: the deadline
   * passed, the caller aborted, the consumer stopped) must stop the vendor request at once:
   * wrap it with `cancellableStream`.
   */
  doStream(request: ModelRequest, options: AttemptOptions): Promise<AsyncIterable<StreamPart>>;
  /** Embeds texts with one request, one vector per text in order (providers with embeddings). */
  doEmbed?(request: EmbedRequest, options: AttemptOptions): Promise<number[][]>;
  /**
   * Checks the credentials without generating, with one request that costs nothing (e.g. list
   * the models); rejects when the key is missing or refused. Without it `ping` only checks that
   * the provider is open.
   */
  doPing?(options: AttemptOptions): Promise<void>;
}
