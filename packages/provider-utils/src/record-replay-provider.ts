import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  AbortError,
  AuthenticationError,
  ContextLengthExceededError,
  InvalidRequestError,
  InvalidResponseError,
  ProviderError,
  ProviderUnavailableError,
  RateLimitError,
  StructuredOutputError,
  TimeoutError,
} from '@dk/spec';
import type {
  CompletionOptions,
  EmbeddingOptions,
  LLMInput,
  LLMProvider,
  LLMResponse,
  StreamPart,
  StructuredOutputIssue,
} from '@dk/spec';
import { CassetteMissError } from './cassette-miss-error.js';
import { hashRequest, normalizeRequest } from './hash-request.js';
import type { RequestIdentity } from './hash-request.js';
import { normalizeInput } from './normalize-input.js';
import { checkSettings, invalidValue } from './check-settings.js';
import { redactSecretValues } from './redact-secret-values.js';

/** How a {@link RecordReplayProvider} treats calls. */
export type RecordReplayMode = 'record' | 'replay' | 'auto';

/** Settings of {@link recordReplayProvider}. */
export interface RecordReplayProviderOptions {
  /** The provider whose calls are recorded (never called in `replay` mode). */
  readonly provider: LLMProvider;
  /** The JSON cassette file. Its directory is created when recording. */
  readonly cassettePath: string;
  /**
   * `record`: call the provider and write a fresh cassette; `replay`: serve only recorded
   * calls and fail with `CassetteMissError` on any other; `auto`: replay what the cassette
   * holds and record what it does not.
   */
  readonly mode: RecordReplayMode;
  /** Values (API keys, tokens) redacted from the cassette before it is written. */
  readonly secrets?: Iterable<string | null | undefined>;
}

interface RecordedError {
  readonly name: string;
  readonly code: string;
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly text?: string;
}

/** One recorded call. */
interface Interaction {
  readonly requestHash: string;
  readonly request: Record<string, unknown>;
  readonly response?: LLMResponse;
  readonly parts?: readonly StreamPart[];
  readonly vectors?: readonly (readonly number[])[];
  readonly error?: RecordedError;
}

interface Cassette {
  readonly version: 1;
  readonly interactions: Interaction[];
}

function serializeError(error: ProviderError): RecordedError {
  const { name, code, message, ...fields } = error.toJSON() as { name: string; code: string; message: string } & Record<
    string,
    unknown
  >;
  return { name, code, message, fields, ...(StructuredOutputError.isInstance(error) ? { text: error.text } : {}) };
}

function reviveError(recorded: RecordedError): ProviderError {
  const fields = recorded.fields;
  const base = {
    message: recorded.message,
    provider: String(fields['provider'] ?? 'unknown'),
    status: fields['status'] as number | undefined,
    vendorType: fields['vendorType'] as string | undefined,
    vendorCode: fields['vendorCode'] as string | undefined,
    requestId: fields['requestId'] as string | undefined,
    attempts: fields['attempts'] as number | undefined,
  };
  switch (recorded.name) {
    case RateLimitError.errorName:
      return new RateLimitError({ ...base, retryAfterMs: fields['retryAfterMs'] as number | undefined });
    case AuthenticationError.errorName:
      return new AuthenticationError(base);
    case ContextLengthExceededError.errorName:
      return new ContextLengthExceededError(base);
    case InvalidRequestError.errorName:
      return new InvalidRequestError(base);
    case ProviderUnavailableError.errorName:
      return new ProviderUnavailableError(base);
    case InvalidResponseError.errorName:
      return new InvalidResponseError(base);
    case StructuredOutputError.errorName:
      return new StructuredOutputError({
        ...base,
        text: recorded.text ?? '',
        issues: (fields['issues'] as StructuredOutputIssue[] | undefined) ?? [],
      });
    default:
      return new ProviderError({ ...base, code: recorded.code, isRetryable: fields['isRetryable'] === true });
  }
}

/** Caller-side outcomes (abort, deadline) depend on the test's timing, not on the provider: never recorded. */
function isRecordable(error: unknown): error is ProviderError {
  return ProviderError.isInstance(error) && !AbortError.isInstance(error) && !TimeoutError.isInstance(error);
}

function summarize(request: Record<string, unknown>): string {
  const messages = (request['messages'] as { role: string; content: string }[] | undefined) ?? [];
  const texts = request['texts'] as string[] | undefined;
  const lastUser = messages.findLast((message) => message.role === 'user')?.content;
  const clip = (text: string): string => JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
  const optionNames = Object.keys((request['options'] as Record<string, unknown> | undefined) ?? {});
  return [
    `${String(request['method'])} ${String(request['provider'])}/${String(request['model'])}`,
    texts === undefined ? `${messages.length} message(s)` : `${texts.length} text(s)`,
    lastUser === undefined ? undefined : `last user message ${clip(lastUser)}`,
    optionNames.length === 0 ? undefined : `options: ${optionNames.join(', ')}`,
  ]
    .filter((part): part is string => part !== undefined)
    .join('; ');
}

/**
 * Wraps any `LLMProvider` to record its calls (`complete`, `stream`, `embed`) to a JSON
 * cassette, or to replay them without the provider. Requests are keyed by a stable hash of the
 * normalised request (messages without metadata; options without signal, headers, timeoutMs
 * and maxRetries; model resolved). Repeated identical requests replay their recordings in
 * order (the last one repeats). Typed provider errors are recorded and replayed too; aborts
 * and timeouts are not. Use {@link recordReplayProvider} to create one.
 */
export class RecordReplayProvider implements LLMProvider {
  /** Contract version implemented. */
  readonly specificationVersion = 'v1' as const;
  /** The wrapped provider's name. */
  readonly provider: string;
  /** The wrapped provider's model. */
  readonly modelId: string;

  readonly #inner: LLMProvider;
  readonly #path: string;
  readonly #mode: RecordReplayMode;
  readonly #secrets: readonly (string | null | undefined)[];
  #cassette: Promise<Cassette> | undefined;
  readonly #served = new Map<string, number>();
  #writing: Promise<void> = Promise.resolve();

  constructor(options: RecordReplayProviderOptions) {
    checkSettings('RecordReplayProvider', options, {
      provider: { check: (value) => (isProvider(value) ? undefined : 'an LLMProvider (with `complete` and `stream`)') },
      cassettePath: 'non-empty-string',
      mode: { oneOf: ['record', 'replay', 'auto'] },
      secrets: { check: (value) => (isIterable(value) ? undefined : 'an iterable of strings (e.g. an array)') },
    });
    for (const name of ['provider', 'cassettePath', 'mode'] as const) {
      if (options[name] === undefined) throw invalidValue('RecordReplayProvider', name, 'set', undefined);
    }
    const { provider, cassettePath, mode, secrets = [] } = options;
    this.#inner = provider;
    this.#path = cassettePath;
    this.#mode = mode;
    this.#secrets = [...secrets];
    this.provider = provider.provider;
    this.modelId = provider.modelId;
  }

  /** Waits until every recording has been written to the cassette file. */
  flush(): Promise<void> {
    return this.#writing;
  }

  /** Replays the recorded response (or error) of this request, or calls the provider and records it. */
  async complete(input: LLMInput, options: CompletionOptions = {}): Promise<LLMResponse> {
    const identity = this.#identity('complete', input, options);
    const replayed = await this.#lookup(identity, options.signal);
    if (replayed !== undefined) {
      if (replayed.error !== undefined) throw reviveError(replayed.error);
      if (replayed.response !== undefined) return replayed.response;
    }
    try {
      const response = await this.#inner.complete(input, options);
      await this.#record(identity, { response });
      return response;
    } catch (error) {
      if (isRecordable(error)) await this.#record(identity, { error: serializeError(error) });
      throw error;
    }
  }

  /** Replays the recorded parts of this request, or streams from the provider and records the parts. */
  async *stream(input: LLMInput, options: CompletionOptions = {}): AsyncGenerator<StreamPart, void, undefined> {
    const identity = this.#identity('stream', input, options);
    const replayed = await this.#lookup(identity, options.signal);
    if (replayed !== undefined) {
      if (replayed.error !== undefined) throw reviveError(replayed.error);
      for (const part of replayed.parts ?? []) {
        if (options.signal?.aborted === true) throw this.#abortError();
        yield part;
      }
      return;
    }
    const parts: StreamPart[] = [];
    try {
      for await (const part of this.#inner.stream(input, options)) {
        parts.push(part);
        yield part;
      }
    } catch (error) {
      // A failure after output began cannot be replayed faithfully; only clean failures are recorded.
      if (parts.length === 0 && isRecordable(error)) await this.#record(identity, { error: serializeError(error) });
      throw error;
    }
    await this.#record(identity, { parts });
  }

  /** Replays the recorded vectors of this request, or calls the provider's `embed` and records them. */
  async embed(texts: readonly string[], options: EmbeddingOptions = {}): Promise<number[][]> {
    const identity: RequestIdentity = {
      method: 'embed',
      provider: this.provider,
      model: options.model ?? this.modelId,
      texts,
      options,
    };
    const replayed = await this.#lookup(identity, options.signal);
    if (replayed !== undefined) {
      if (replayed.error !== undefined) throw reviveError(replayed.error);
      return (replayed.vectors ?? []).map((vector) => [...vector]);
    }
    if (this.#inner.embed === undefined) {
      throw new InvalidRequestError({
        provider: this.provider,
        message: `${this.provider} does not support embed.`,
      });
    }
    const vectors = await this.#inner.embed(texts, options);
    await this.#record(identity, { vectors });
    return vectors;
  }

  /** Writes pending recordings, then closes the wrapped provider. */
  async close(): Promise<void> {
    await this.#writing;
    await this.#inner.close();
  }

  #identity(method: 'complete' | 'stream', input: LLMInput, options: CompletionOptions): RequestIdentity {
    return {
      method,
      provider: this.provider,
      model: options.model ?? this.modelId,
      messages: normalizeInput(input, this.provider),
      options,
    };
  }

  #abortError(): AbortError {
    return new AbortError({
      provider: this.provider,
      message: `${this.provider} replayed call was aborted by the caller's AbortSignal.`,
    });
  }

  #load(): Promise<Cassette> {
    this.#cassette ??= (async (): Promise<Cassette> => {
      if (this.#mode === 'record') return { version: 1, interactions: [] };
      let text: string;
      try {
        text = await readFile(this.#path, 'utf8');
      } catch (error) {
        if ((error as { code?: unknown }).code === 'ENOENT' && this.#mode === 'auto')
          return { version: 1, interactions: [] };
        throw error;
      }
      const parsed = JSON.parse(text) as Partial<Cassette>;
      if (parsed.version !== 1 || !Array.isArray(parsed.interactions)) {
        throw new InvalidRequestError({
          provider: this.provider,
          message: `Cassette ${this.#path} is not a version-1 dk cassette. Delete it and record again.`,
        });
      }
      return { version: 1, interactions: parsed.interactions };
    })();
    return this.#cassette;
  }

  async #lookup(identity: RequestIdentity, signal: AbortSignal | undefined): Promise<Interaction | undefined> {
    if (signal?.aborted === true) throw this.#abortError();
    if (this.#mode === 'record') return undefined;
    const requestHash = hashRequest(identity);
    let cassette: Cassette;
    try {
      cassette = await this.#load();
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
      const request = normalizeRequest(identity);
      throw new CassetteMissError({
        provider: this.provider,
        requestHash,
        summary: summarize(request),
        cassettePath: this.#path,
        reason: 'does not exist, so it has no recording for',
      });
    }
    const matches = cassette.interactions.filter((interaction) => interaction.requestHash === requestHash);
    if (matches.length === 0) {
      if (this.#mode === 'auto') return undefined;
      throw new CassetteMissError({
        provider: this.provider,
        requestHash,
        summary: summarize(normalizeRequest(identity)),
        cassettePath: this.#path,
      });
    }
    const served = this.#served.get(requestHash) ?? 0;
    this.#served.set(requestHash, served + 1);
    return matches[Math.min(served, matches.length - 1)];
  }

  async #record(
    identity: RequestIdentity,
    outcome: Pick<Interaction, 'response' | 'parts' | 'vectors' | 'error'>,
  ): Promise<void> {
    const cassette = await this.#load();
    const requestHash = hashRequest(identity);
    cassette.interactions.push({ requestHash, request: normalizeRequest(identity), ...outcome });
    // Later replays in this process (mode auto) serve the recordings after those already served.
    this.#served.set(
      requestHash,
      cassette.interactions.filter((interaction) => interaction.requestHash === requestHash).length,
    );
    const write = async (): Promise<void> => {
      const text = redactSecretValues(`${JSON.stringify(cassette, null, 2)}\n`, this.#secrets);
      await mkdir(dirname(this.#path), { recursive: true });
      const temporary = `${this.#path}.${process.pid}.tmp`;
      await writeFile(temporary, text, 'utf8');
      await rename(temporary, this.#path);
    };
    this.#writing = this.#writing.then(write, write);
    await this.#writing;
  }
}

function isProvider(value: unknown): value is LLMProvider {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as LLMProvider).complete === 'function' &&
    typeof (value as LLMProvider).stream === 'function'
  );
}

function isIterable(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Symbol.iterator in value;
}

/**
 * Wraps `provider` for record/replay testing.
 *
 * @example
 * const llm = recordReplayProvider({
 *   provider: createOpenAIProvider({ model: 'gpt-4o-mini' }),
 *   cassettePath: new URL('./__fixtures__/summarise.cassette.json', import.meta.url).pathname,
 *   mode: process.env.RECORD === '1' ? 'record' : 'replay',
 * });
 */
export function recordReplayProvider(options: RecordReplayProviderOptions): RecordReplayProvider {
  return new RecordReplayProvider(options);
}
