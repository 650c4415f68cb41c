import { checkOptions, InvalidRequestError } from '@dk/spec';
import type {
  CompletionOptions,
  EmbeddingOptions,
  EndPart,
  LLMInput,
  LLMProvider,
  LLMResponse,
  StreamPart,
} from '@dk/spec';
import { CallScope } from './call-scope.js';
import { checkSettings, invalidValue } from './check-settings.js';
import type { ClientResolver } from './client-resolver.js';
import type { SettingChecks } from './check-settings.js';
import { normalizeInput } from './normalize-input.js';
import type { AttemptOptions, EmbedRequest, ModelRequest, ProviderModel } from './provider-model.js';
import { redactErrorSecrets } from './redact-error-secrets.js';
import { defaultRetrySettings } from './retry-settings.js';
import type { RetrySettings } from './retry-settings.js';
import { RetryingStream } from './retrying-stream.js';
import type { StreamCall } from './retrying-stream.js';
import { runAttempts } from './run-attempts.js';
import type { AttemptsOptions, RetryPolicy } from './run-attempts.js';

/** What {@link BaseProvider} needs from the provider built on it. */
export interface BaseProviderSettings {
  /** Provider id (`openai`, …), put in responses and errors. */
  readonly provider: string;
  /** The class name shown in option errors (`OpenAIProvider`). */
  readonly component: string;
  /** The default model of the instance. */
  readonly modelId: string;
  /** Retry policy; per-call `maxRetries` overrides its `maxRetries`. Default {@link defaultRetrySettings}. */
  readonly retry?: RetrySettings | undefined;
  /** Default deadline of a whole call in milliseconds (per-call `timeoutMs` wins). Default: none. */
  readonly timeoutMs?: number | undefined;
  /**
   * The provider's vendor clients: every key they used is removed from errors, and they are
   * cleared on `close()`. Default: none (override {@link BaseProvider.secrets} for other secrets).
   */
  readonly clients?: ClientResolver<unknown> | undefined;
}

/** The checks of the settings every provider built on {@link BaseProvider} shares: `retry` and `timeoutMs`. */
export const baseProviderSettingChecks: SettingChecks = {
  retry: {
    settings: {
      maxRetries: 'non-negative-integer',
      baseDelayMs: 'non-negative-number',
      maxDelayMs: 'non-negative-number',
    },
  },
  timeoutMs: 'positive-number',
};

const completionOptionNames: readonly string[] = [
  'model',
  'temperature',
  'maxTokens',
  'topP',
  'stop',
  'seed',
  'responseFormat',
  'tools',
  'toolChoice',
  'signal',
  'timeoutMs',
  'maxRetries',
  'headers',
  'providerOptions',
];
const embeddingOptionNames: readonly string[] = ['model', 'signal', 'timeoutMs', 'maxRetries'];
const pingOptionNames: readonly string[] = ['signal', 'timeoutMs'];
/** A health check answers at once: one attempt, a short deadline. */
const pingCallOptions = { maxRetries: 0 } as const;
const defaultPingTimeoutMs = 10_000;

/**
 * The one wrapper that turns a single-attempt {@link ProviderModel} into the public
 * `LLMProvider`: a vendor package extends it and implements `doComplete`, `doStream` (and
 * `doEmbed`), each sending ONE request with the `signal` and `timeoutMs` it is given, plus
 * `mapError` (vendor failures → `ProviderError`s); its `clients` (a {@link ClientResolver}) say
 * what errors must never show.
 *
 * For every call it checks the input and options, then runs attempts:
 * - retryable failures (`ProviderError.isRetryable`) are retried up to `maxRetries` times with
 *   exponential backoff and full jitter, or after the vendor's `Retry-After` / `retry-after-ms`
 *   (capped by `retry.maxDelayMs`);
 * - a stream is retried only until its first part arrives; later failures are thrown;
 * - `timeoutMs` is a deadline for the whole call, retries and backoff included (`TimeoutError`),
 *   and the caller's `signal` ends it at once (`AbortError`); each attempt gets a signal that
 *   fires on either, so the vendor request and a stream's body are cancelled too;
 * - responses get `metadata.attempts`, errors get `attempts`; a response without usage gets a
 *   warning (its usage stays `undefined`: unknown, not zero);
 * - every error that leaves is cleared of the provider's secrets, in its whole object graph.
 */
export abstract class BaseProvider implements LLMProvider, ProviderModel {
  readonly specificationVersion = 'v1' as const;
  readonly provider: string;
  readonly modelId: string;

  readonly #component: string;
  readonly #retry: RetryPolicy;
  readonly #timeoutMs: number | undefined;
  readonly #clients: ClientResolver<unknown> | undefined;
  #closed = false;
  // Made once per provider, not per call (a function per call costs more than the call's bookkeeping).
  readonly #mapError = (error: unknown): unknown => this.mapError(error);
  readonly #leave = (error: unknown): unknown => redactErrorSecrets(error, this.secrets());
  readonly #openStream = (request: ModelRequest, options: AttemptOptions): Promise<AsyncIterable<StreamPart>> =>
    this.doStream(request, options);
  readonly #finishEnd = (end: EndPart, attempts: number): EndPart => ({
    ...end,
    response: finishResponse(end.response, attempts, this.provider),
  });
  readonly #startStream = (input: LLMInput, options: CompletionOptions): StreamCall => {
    const request = this.prepareRequest(input, options, 'stream');
    const call = this.#call(this.#scope(options), options, request);
    return { ...call, streaming: true, open: this.#openStream, finishEnd: this.#finishEnd, leave: this.#leave };
  };

  constructor(settings: BaseProviderSettings) {
    checkSettings(
      settings.component,
      { retry: settings.retry, timeoutMs: settings.timeoutMs },
      baseProviderSettingChecks,
    );
    this.provider = settings.provider;
    this.modelId = settings.modelId;
    this.#component = settings.component;
    this.#retry = { ...defaultRetrySettings, ...definedValues(settings.retry) };
    this.#timeoutMs = settings.timeoutMs;
    this.#clients = settings.clients;
  }

  abstract doComplete(request: ModelRequest, options: AttemptOptions): Promise<LLMResponse>;
  abstract doStream(request: ModelRequest, options: AttemptOptions): Promise<AsyncIterable<StreamPart>>;
  doEmbed?(request: EmbedRequest, options: AttemptOptions): Promise<number[][]>;
  doPing?(options: AttemptOptions): Promise<void>;

  /** Generates one response (see the class for retries, deadline and abort). */
  async complete(input: LLMInput, options: CompletionOptions = {}): Promise<LLMResponse> {
    const request = this.prepareRequest(input, options, 'complete');
    const scope = this.#scope(options);
    try {
      const response = await runAttempts(this.#call(scope, options, request), completeAttempt);
      return finishResponse(response, scope.attempts, this.provider);
    } catch (error) {
      throw this.#leave(error);
    } finally {
      scope.dispose();
    }
  }

  /** Generates one response as a stream of parts ending with `end`; nothing starts before the first `next()`. */
  stream(input: LLMInput, options: CompletionOptions = {}): AsyncIterableIterator<StreamPart, void, undefined> {
    return new RetryingStream(this.#startStream, input, options);
  }

  /**
   * Checks that the provider can be used without generating: its credentials are present and
   * the vendor accepts them (through `doPing`, one attempt, no retries; deadline `timeoutMs`,
   * default 10 s). Rejects with `AuthenticationError` for a missing or refused key, another
   * `ProviderError` when the vendor cannot be reached. Health checks call it.
   */
  async ping(options: { readonly signal?: AbortSignal; readonly timeoutMs?: number } = {}): Promise<void> {
    this.#assertOpen();
    checkOptions(`${this.#component}.ping`, options, pingOptionNames);
    if (this.doPing === undefined) return;
    const scope = this.#scope({ timeoutMs: defaultPingTimeoutMs, ...options });
    try {
      await runAttempts(this.#call(scope, pingCallOptions, undefined), pingAttempt);
    } catch (error) {
      throw this.#leave(error);
    } finally {
      scope.dispose();
    }
  }

  /** Releases resources; idempotent. Later calls fail with `InvalidRequestError`. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.closeResources();
  }

  /**
   * Embeds texts through {@link BaseProvider.doEmbed} with the same retry, deadline and abort
   * rules; providers with embeddings expose it as `embed`. Empty input gives `[]` with no call.
   */
  protected async embedTexts(texts: readonly string[], options: EmbeddingOptions = {}): Promise<number[][]> {
    this.#assertOpen();
    checkOptions(`${this.#component}.embed`, options, embeddingOptionNames);
    if (!Array.isArray(texts) || texts.some((text) => typeof text !== 'string')) {
      throw new InvalidRequestError({
        provider: this.provider,
        message: `${this.provider}: embed expects an array of strings.`,
      });
    }
    if (this.doEmbed === undefined) {
      throw new InvalidRequestError({ provider: this.provider, message: `${this.provider} has no embeddings.` });
    }
    if (texts.length === 0) return [];
    const request: EmbedRequest = { texts, model: options.model };
    const scope = this.#scope(options);
    try {
      return await runAttempts(this.#call(scope, options, request), embedAttempt);
    } catch (error) {
      throw this.#leave(error);
    } finally {
      scope.dispose();
    }
  }

  /**
   * Translates what an attempt threw (the vendor client's errors) into a `ProviderError`;
   * return anything else unchanged (bugs are neither retried nor disguised). Default: unchanged.
   */
  protected mapError(error: unknown): unknown {
    return error;
  }

  /** The values no error may show, read when an error leaves. Default: the keys `clients` used. */
  protected secrets(): Iterable<string> {
    return this.#clients?.secrets ?? [];
  }

  /** Releases the provider's resources on `close()`. Default: clears `clients`. */
  protected closeResources(): Promise<void> | void {
    this.#clients?.clear();
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new InvalidRequestError({
        provider: this.provider,
        message: `${this.#component} was closed. Create a new one instead of reusing a closed provider.`,
      });
    }
  }

  /**
   * Checks a call (provider open, known options, valid input) and returns its request; what
   * `complete` and `stream` do first. For subclasses that wrap those methods (e.g. to record calls).
   */
  protected prepareRequest(input: LLMInput, options: CompletionOptions, method: 'complete' | 'stream'): ModelRequest {
    this.#assertOpen();
    checkOptions(`${this.#component}.${method}`, options, completionOptionNames);
    return { messages: normalizeInput(input, this.provider), options };
  }

  #scope(options: CompletionOptions | EmbeddingOptions): CallScope {
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs > 0 && !Number.isNaN(timeoutMs))) {
      throw invalidValue(this.#component, 'timeoutMs', 'a positive number of milliseconds', timeoutMs);
    }
    const signal = options.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw invalidValue(this.#component, 'signal', 'an AbortSignal', signal);
    }
    return new CallScope({ provider: this.provider, signal, timeoutMs });
  }

  /** One call's attempts: its scope, retry policy, headers and request. */
  #call<Request>(scope: CallScope, options: CompletionOptions | EmbeddingOptions, request: Request): Call<Request> {
    const maxRetries = options.maxRetries;
    if (maxRetries !== undefined && !(Number.isInteger(maxRetries) && maxRetries >= 0)) {
      scope.dispose();
      throw invalidValue(this.#component, 'maxRetries', 'a non-negative integer', maxRetries);
    }
    const headers = 'headers' in options && options.headers !== undefined ? { ...options.headers } : undefined;
    return {
      scope,
      policy: maxRetries === undefined ? this.#retry : { ...this.#retry, maxRetries },
      headers,
      mapError: this.#mapError,
      request,
      model: this,
    };
  }
}

/** The attempts of one call, with what its attempts send. */
interface Call<Request> extends AttemptsOptions {
  readonly request: Request;
  readonly model: ProviderModel;
}

function completeAttempt(call: Call<ModelRequest>, options: AttemptOptions): Promise<LLMResponse> {
  return call.model.doComplete(call.request, options);
}

function embedAttempt(call: Call<EmbedRequest>, options: AttemptOptions): Promise<number[][]> {
  return (call.model as Required<ProviderModel>).doEmbed(call.request, options);
}

function pingAttempt(call: Call<undefined>, options: AttemptOptions): Promise<void> {
  return (call.model as Required<ProviderModel>).doPing(options);
}

function definedValues<T extends object>(value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

const missingUsage = (provider: string) =>
  ({
    type: 'other',
    message: `${provider} did not report token usage for this call; usage is unknown (not zero).`,
  }) as const;

/** The response with the call's attempt count, and a warning when its usage is unknown. */
function finishResponse(response: LLMResponse, attempts: number, provider: string): LLMResponse {
  const metadata = { ...response.metadata, attempts };
  if (response.usage !== undefined) return { ...response, metadata };
  return { ...response, metadata, warnings: [...response.warnings, missingUsage(provider)] };
}
