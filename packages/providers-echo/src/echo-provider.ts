import { ProviderError } from '@dk/spec';
import type {
  CompletionOptions,
  EmbeddingOptions,
  EndPart,
  LLMInput,
  LLMMessage,
  LLMResponse,
  StreamPart,
} from '@dk/spec';
import {
  abortableDelay,
  BaseProvider,
  baseProviderSettingChecks,
  cancellableStream,
  checkSettings,
} from '@dk/provider-utils';
import type { AttemptOptions, EmbedRequest, ModelRequest, SettingChecks } from '@dk/provider-utils';
import { buildEchoParts } from './build-echo-parts.js';
import type { EchoCall } from './echo-call.js';
import { toEchoProviderError } from './echo-error.js';
import type { EchoProviderSettings } from './echo-provider-settings.js';
import type { EchoResponse, EchoResponseFunction } from './echo-response.js';
import { EchoScript } from './echo-script.js';
import type { EchoAnswer } from './echo-script.js';
import { EchoScriptExhaustedError } from './echo-script-exhausted-error.js';
import { hashEmbedding } from './hash-embedding.js';

const providerName = 'echo';

const numberOrFunction = {
  check: (value: unknown) =>
    typeof value === 'function' || (typeof value === 'number' && Number.isFinite(value) && value >= 0)
      ? undefined
      : 'a non-negative number of milliseconds or a function of the messages',
};

const settingChecks: SettingChecks = {
  ...baseProviderSettingChecks,
  model: 'non-empty-string',
  echoPrefix: 'string',
  systemPrompt: 'string',
  echoSystem: 'boolean',
  responses: 'array',
  cycleResponses: 'boolean',
  patterns: 'array',
  responseFunction: 'function',
  strict: 'boolean',
  strictTools: 'boolean',
  mockUsage: 'boolean',
  delayMs: numberOrFunction,
  streamChunkSize: 'positive-integer',
  streamDelayMs: 'non-negative-number',
  embeddingDimensions: 'positive-integer',
};

function splitIntoChunks(text: string, size: number): string[] {
  const characters = [...text];
  const chunks: string[] = [];
  for (let index = 0; index < characters.length; index += size)
    chunks.push(characters.slice(index, index + size).join(''));
  return chunks;
}

/**
 * The deterministic echo LLM provider: the reference implementation of the `LLMProvider`
 * contract (a `BaseProvider` like every dk provider) and the test double of dk applications.
 *
 * By default it answers `<echoPrefix><last user message>` (`Echo: hi`). Answers can be
 * scripted, consulted in this order: the response function, the first matching pattern, the
 * queue (consumed, or cycled), then the default echo (or `EchoScriptExhaustedError` in strict
 * mode). Each attempt consumes one scripted answer, so a scripted retryable failure followed
 * by an answer exercises the same retry path as a real provider. Every call is recorded.
 *
 * @example
 * const llm = new EchoProvider({ echoPrefix: 'Echo: ' });
 * (await llm.complete('Hello')).content; // 'Echo: Hello'
 * llm.setResponses(['first', { toolCalls: [{ name: 'search', arguments: { q: 'x' } }] }]);
 */
export class EchoProvider extends BaseProvider {
  readonly #settings: EchoProviderSettings;
  readonly #script: EchoScript;
  #delay: EchoProviderSettings['delayMs'];
  readonly #calls: EchoCall[] = [];
  /** The record of each call in flight, by its (copied) message list, to count attempts. */
  readonly #callsByMessages = new WeakMap<readonly LLMMessage[], EchoCall>();
  readonly #embedCalls: (readonly string[])[] = [];
  #closeCount = 0;
  #toolCallCounter = 0;

  constructor(settings: EchoProviderSettings = {}) {
    checkSettings('EchoProvider', settings, settingChecks);
    super({
      provider: providerName,
      component: 'EchoProvider',
      modelId: settings.model ?? 'echo-model',
      retry: settings.retry,
      timeoutMs: settings.timeoutMs,
    });
    this.#settings = settings;
    this.#script = new EchoScript(settings);
    this.#delay = settings.delayMs;
  }

  /** Every recorded `complete`/`stream` call, oldest first. */
  get calls(): readonly EchoCall[] {
    return this.#calls;
  }

  /** Number of recorded calls. */
  get callCount(): number {
    return this.#calls.length;
  }

  /** The most recent call, if any. */
  get lastCall(): EchoCall | undefined {
    return this.#calls.at(-1);
  }

  /** Content of the last user message of the most recent call, if any. */
  get lastUserMessage(): string | undefined {
    return this.lastCall?.messages.findLast((message) => message.role === 'user')?.content;
  }

  /** The text lists passed to `embed`, oldest first. */
  get embedCalls(): readonly (readonly string[])[] {
    return this.#embedCalls;
  }

  /** How many times `close()` was called. */
  get closeCount(): number {
    return this.#closeCount;
  }

  /** The call at `index` (negative counts from the end); throws `RangeError` when there is none. */
  getCall(index: number): EchoCall {
    const call = this.#calls.at(index);
    if (call === undefined)
      throw new RangeError(`EchoProvider has ${this.#calls.length} recorded call(s); there is no call ${index}.`);
    return call;
  }

  /** Replaces the response queue; with `cycle`, responses are served round-robin. */
  setResponses(responses: readonly EchoResponse[], { cycle = false }: { readonly cycle?: boolean } = {}): this {
    this.#script.setResponses(responses, cycle);
    return this;
  }

  /** Appends responses to the queue. */
  addResponse(...responses: readonly EchoResponse[]): this {
    this.#script.addResponses(responses);
    return this;
  }

  /** Adds a response served when `pattern` matches the user messages (strings are case-insensitive). */
  addPatternResponse(pattern: RegExp | string, response: EchoResponse): this {
    this.#script.addPattern(pattern, response);
    return this;
  }

  /** Sets (or clears) the response function, consulted before patterns and the queue. */
  setResponseFunction(responseFunction: EchoResponseFunction | undefined): this {
    this.#script.setResponseFunction(responseFunction);
    return this;
  }

  /** Sets the delay before each answer in ms, or a function of the messages. */
  setDelay(delayMs: EchoProviderSettings['delayMs']): this {
    this.#delay = delayMs;
    return this;
  }

  /** Removes the queue, the patterns and the response function. */
  clearResponses(): this {
    this.#script.clear();
    return this;
  }

  /** Forgets recorded calls and embed calls. */
  clearHistory(): this {
    this.#calls.length = 0;
    this.#embedCalls.length = 0;
    return this;
  }

  /** Clears responses and history. */
  reset(): this {
    return this.clearResponses().clearHistory();
  }

  /** Answers with the next scripted response (or the echo), through the shared retry path; recorded. */
  override async complete(input: LLMInput, options: CompletionOptions = {}): Promise<LLMResponse> {
    const call = this.#record('complete', input, options);
    try {
      call.response = await super.complete(call.messages, options);
      return call.response;
    } catch (error) {
      throw settle(call, error);
    }
  }

  /**
   * Streams the same answer `complete` would give: text in `streamChunkSize` pieces (or the
   * scripted `chunks`), tool calls as two argument fragments each, then the `end` part; recorded.
   */
  override async *stream(
    input: LLMInput,
    options: CompletionOptions = {},
  ): AsyncGenerator<StreamPart, void, undefined> {
    const call = this.#record('stream', input, options);
    try {
      for await (const part of super.stream(call.messages, options)) {
        if (part.type === 'end') call.response = part.response;
        yield part;
      }
    } catch (error) {
      throw settle(call, error);
    }
  }

  /**
   * Deterministic embeddings: a hashed bag-of-words vector of unit length per text
   * (`embeddingDimensions`, default 768). Texts sharing words are similar.
   */
  embed(texts: readonly string[], options: EmbeddingOptions = {}): Promise<number[][]> {
    return this.embedTexts(texts, { maxRetries: 0, ...options });
  }

  /** Marks the provider closed; idempotent. Later calls fail with `InvalidRequestError`. */
  override close(): Promise<void> {
    this.#closeCount += 1;
    return super.close();
  }

  /** One attempt of `complete`: consumes one scripted answer. */
  async doComplete(request: ModelRequest, { signal }: AttemptOptions): Promise<LLMResponse> {
    const answer = await this.#answer(request, signal);
    if (answer.scripted.errorAfterOutput !== undefined) throw toEchoProviderError(answer.scripted.errorAfterOutput);
    const parts = this.#parts(answer, request, (text) => [text]);
    return (parts.at(-1) as EndPart).response;
  }

  /**
   * One attempt of `stream`: consumes one scripted answer and replays its parts with the scripted
   * delays. Closing the stream ends a delay at once, as a vendor client's abort ends its request.
   */
  doStream(request: ModelRequest, { signal }: AttemptOptions): Promise<AsyncIterable<StreamPart>> {
    const closed = new AbortController();
    const delaySignal = signal === undefined ? closed.signal : AbortSignal.any([signal, closed.signal]);
    return Promise.resolve(cancellableStream(this.#streamAnswer(request, delaySignal), () => closed.abort()));
  }

  /** One embedding attempt (never fails). */
  override doEmbed({ texts }: EmbedRequest): Promise<number[][]> {
    const dimensions = this.#settings.embeddingDimensions ?? 768;
    this.#embedCalls.push([...texts]);
    return Promise.resolve(texts.map((text) => hashEmbedding(text, dimensions)));
  }

  async *#streamAnswer(request: ModelRequest, signal: AbortSignal): AsyncGenerator<StreamPart, void, undefined> {
    const answer = await this.#answer(request, signal);
    const chunkSize = this.#settings.streamChunkSize ?? 1;
    const parts = this.#parts(answer, request, (text) => answer.scripted.chunks ?? splitIntoChunks(text, chunkSize));
    const chunkDelayMs = answer.scripted.chunkDelayMs ?? this.#settings.streamDelayMs ?? 0;
    const failure = answer.scripted.errorAfterOutput;
    let first = true;
    for (const part of parts) {
      // A scripted failure after output comes where the vendor would send it: after the text.
      if (failure !== undefined && part.type !== 'text-delta') throw toEchoProviderError(failure, true);
      if (part.type === 'text-delta' && !first && chunkDelayMs > 0) await abortableDelay(chunkDelayMs, signal);
      if (part.type === 'text-delta') first = false;
      yield part;
    }
  }

  /** Checks and records a call; its message list is a copy that identifies the call in its attempts. */
  #record(method: 'complete' | 'stream', input: LLMInput, options: CompletionOptions): EchoCall {
    const request = this.prepareRequest(input, options, method);
    const { signal: _signal, ...recorded } = options;
    const call: EchoCall = { method, messages: [...request.messages], options: recorded, attempts: 0 };
    this.#calls.push(call);
    this.#callsByMessages.set(call.messages, call);
    return call;
  }

  #parts(answer: EchoAnswer, request: ModelRequest, chunk: (text: string) => readonly string[]): StreamPart[] {
    return buildEchoParts(answer, {
      messages: request.messages,
      options: request.options,
      modelId: this.modelId,
      strictTools: this.#settings.strictTools !== false,
      mockUsage: this.#settings.mockUsage !== false,
      nextToolCallId: () => `call_${(this.#toolCallCounter += 1)}`,
      chunk,
    });
  }

  async #answer(request: ModelRequest, signal: AbortSignal | undefined): Promise<EchoAnswer> {
    const call = this.#callsByMessages.get(request.messages);
    if (call !== undefined) call.attempts += 1;
    const answer =
      (await this.#script.next(request.messages, request.options as CompletionOptions)) ?? this.#echo(request);
    const delayMs =
      answer.scripted.delayMs ?? (typeof this.#delay === 'function' ? this.#delay(request.messages) : this.#delay) ?? 0;
    if (delayMs > 0) await abortableDelay(delayMs, signal);
    if (answer.scripted.error !== undefined) throw toEchoProviderError(answer.scripted.error);
    return answer;
  }

  #echo({ messages }: ModelRequest): EchoAnswer {
    if (this.#settings.strict === true) throw new EchoScriptExhaustedError({ callNumber: this.#calls.length });
    const lastUser = messages.findLast((message) => message.role === 'user');
    const systemPrompt =
      this.#settings.echoSystem === true && this.#settings.systemPrompt !== undefined
        ? `[System: ${this.#settings.systemPrompt}]\n`
        : '';
    const content = `${systemPrompt}${this.#settings.echoPrefix ?? 'Echo: '}${lastUser?.content ?? '(no user message)'}`;
    return { scripted: { content }, source: 'echo' };
  }
}

/** Records how a call ended (its attempts come from the error when it has them); returns the error. */
function settle(call: EchoCall, error: unknown): unknown {
  call.error = error;
  if (ProviderError.isInstance(error) && error.attempts !== undefined) call.attempts = error.attempts;
  return error;
}
