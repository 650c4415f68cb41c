import { InvalidRequestError, ProviderError } from '@dk/spec';
import type {
  CompletionOptions,
  EmbeddingOptions,
  LLMInput,
  LLMMessage,
  LLMProvider,
  LLMResponse,
  StreamPart,
  ToolCall,
  Usage,
} from '@dk/spec';
import {
  abortableDelay,
  callWithRetry,
  createProviderError,
  defaultRetrySettings,
  normalizeInput,
  StreamAssembler,
  streamWithRetry,
} from '@dk/provider-utils';
import type { CallWithRetryOptions } from '@dk/provider-utils';
import type { EchoCall } from './echo-call.js';
import type { EchoProviderSettings } from './echo-provider-settings.js';
import type {
  EchoPatternResponse,
  EchoResponse,
  EchoResponseFunction,
  EchoScriptedError,
  EchoScriptedResponse,
} from './echo-response.js';
import { EchoScriptExhaustedError } from './echo-script-exhausted-error.js';
import { estimateTokens } from './estimate-tokens.js';
import { hashEmbedding } from './hash-embedding.js';

const providerName = 'echo';

interface ResolvedAnswer {
  readonly scripted: EchoScriptedResponse;
  readonly source: 'function' | 'pattern' | 'queue' | 'echo';
}

const errorStatus: Record<Exclude<EchoScriptedError, ProviderError>['kind'], number> = {
  'rate-limit': 429,
  server: 500,
  overloaded: 529,
  auth: 401,
  'invalid-request': 400,
  'context-length': 400,
};

function toProviderError(error: EchoScriptedError): ProviderError {
  if (ProviderError.isInstance(error)) return error;
  const spec = error as Exclude<EchoScriptedError, ProviderError>;
  return createProviderError({
    provider: providerName,
    status: errorStatus[spec.kind],
    vendorCode: spec.kind === 'context-length' ? 'context_length_exceeded' : undefined,
    vendorMessage: spec.message ?? `scripted ${spec.kind} failure`,
    retryAfterMs: spec.retryAfterMs,
  });
}

function withoutSignal(options: CompletionOptions): Omit<CompletionOptions, 'signal'> {
  const { signal: _signal, ...rest } = options;
  return rest;
}

function splitIntoChunks(text: string, size: number): string[] {
  const characters = [...text];
  const chunks: string[] = [];
  for (let index = 0; index < characters.length; index += size)
    chunks.push(characters.slice(index, index + size).join(''));
  return chunks;
}

/**
 * The deterministic echo LLM provider: the reference implementation of the `LLMProvider`
 * contract and the test double of dk applications.
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
export class EchoProvider implements LLMProvider {
  /** Contract version implemented. */
  readonly specificationVersion = 'v1' as const;
  /** Always `echo`. */
  readonly provider: string = providerName;
  /** The configured model name (default `echo-model`). */
  readonly modelId: string;

  readonly #settings: EchoProviderSettings;
  #queue: EchoResponse[];
  #cycle: boolean;
  #cycleIndex = 0;
  #patterns: { readonly pattern: RegExp; readonly response: EchoResponse }[];
  #responseFunction: EchoResponseFunction | undefined;
  #delay: EchoProviderSettings['delayMs'];
  readonly #calls: EchoCall[] = [];
  readonly #embedCalls: (readonly string[])[] = [];
  #closeCount = 0;
  #toolCallCounter = 0;

  constructor(settings: EchoProviderSettings = {}) {
    const dimensions = settings.embeddingDimensions ?? 768;
    if (!Number.isInteger(dimensions) || dimensions < 1) {
      throw new InvalidRequestError({
        provider: providerName,
        message: `echo: embeddingDimensions must be a positive integer, got ${String(dimensions)}.`,
      });
    }
    const chunkSize = settings.streamChunkSize ?? 1;
    if (!Number.isInteger(chunkSize) || chunkSize < 1) {
      throw new InvalidRequestError({
        provider: providerName,
        message: `echo: streamChunkSize must be a positive integer, got ${String(chunkSize)}.`,
      });
    }
    this.#settings = settings;
    this.modelId = settings.model ?? 'echo-model';
    this.#queue = [...(settings.responses ?? [])];
    this.#cycle = settings.cycleResponses ?? false;
    this.#patterns = (settings.patterns ?? []).map((entry) => this.#compilePattern(entry));
    this.#responseFunction = settings.responseFunction;
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
    this.#queue = [...responses];
    this.#cycle = cycle;
    this.#cycleIndex = 0;
    return this;
  }

  /** Appends responses to the queue. */
  addResponse(...responses: readonly EchoResponse[]): this {
    this.#queue.push(...responses);
    return this;
  }

  /** Adds a response served when `pattern` matches the user messages (strings are case-insensitive). */
  addPatternResponse(pattern: RegExp | string, response: EchoResponse): this {
    this.#patterns.push(this.#compilePattern({ pattern, response }));
    return this;
  }

  /** Sets (or clears) the response function, consulted before patterns and the queue. */
  setResponseFunction(responseFunction: EchoResponseFunction | undefined): this {
    this.#responseFunction = responseFunction;
    return this;
  }

  /** Sets the delay before each answer in ms, or a function of the messages. */
  setDelay(delayMs: EchoProviderSettings['delayMs']): this {
    this.#delay = delayMs;
    return this;
  }

  /** Removes the queue, the patterns and the response function. */
  clearResponses(): this {
    this.#queue = [];
    this.#cycleIndex = 0;
    this.#patterns = [];
    this.#responseFunction = undefined;
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

  /**
   * Answers with the next scripted response (or the echo), through the shared retry path:
   * scripted retryable errors are retried, each attempt consuming one scripted response.
   */
  async complete(input: LLMInput, options: CompletionOptions = {}): Promise<LLMResponse> {
    this.#assertOpen();
    const messages = normalizeInput(input, providerName);
    const call: EchoCall = { method: 'complete', messages, options: withoutSignal(options), attempts: 0 };
    this.#calls.push(call);
    try {
      const response = await callWithRetry(async ({ attemptNumber, signal }) => {
        call.attempts = attemptNumber;
        const answer = await this.#answer(messages, options, signal);
        const parts = this.#assemble(answer, messages, options, attemptNumber, (text) => [text]);
        const end = parts.at(-1) as Extract<StreamPart, { type: 'end' }>;
        return end.response;
      }, this.#retryOptions(options));
      call.response = response;
      return response;
    } catch (error) {
      call.error = error;
      throw error;
    }
  }

  /**
   * Streams the same answer `complete` would give: text in `streamChunkSize` pieces (or the
   * scripted `chunks`), tool calls as two argument fragments each, then the `end` part.
   */
  async *stream(input: LLMInput, options: CompletionOptions = {}): AsyncGenerator<StreamPart, void, undefined> {
    this.#assertOpen();
    const messages = normalizeInput(input, providerName);
    const call: EchoCall = { method: 'stream', messages, options: withoutSignal(options), attempts: 0 };
    this.#calls.push(call);
    const chunkSize = this.#settings.streamChunkSize ?? 1;
    try {
      const parts = streamWithRetry(async ({ attemptNumber, signal }) => {
        call.attempts = attemptNumber;
        const answer = await this.#answer(messages, options, signal);
        const built = this.#assemble(
          answer,
          messages,
          options,
          attemptNumber,
          (text) => answer.scripted.chunks ?? splitIntoChunks(text, chunkSize),
        );
        const chunkDelayMs = answer.scripted.chunkDelayMs ?? this.#settings.streamDelayMs ?? 0;
        return (async function* () {
          let first = true;
          for (const part of built) {
            if (part.type === 'text-delta' && !first && chunkDelayMs > 0) await abortableDelay(chunkDelayMs, signal);
            if (part.type === 'text-delta') first = false;
            yield part;
          }
        })();
      }, this.#retryOptions(options));
      for await (const part of parts) {
        if (part.type === 'end') call.response = part.response;
        yield part;
      }
    } catch (error) {
      call.error = error;
      throw error;
    }
  }

  /**
   * Deterministic embeddings: a hashed bag-of-words vector of unit length per text
   * (`embeddingDimensions`, default 768). Texts sharing words are similar.
   */
  async embed(texts: readonly string[], options: EmbeddingOptions = {}): Promise<number[][]> {
    this.#assertOpen();
    if (!Array.isArray(texts) || texts.some((text) => typeof text !== 'string')) {
      throw new InvalidRequestError({ provider: providerName, message: 'echo: embed expects an array of strings.' });
    }
    const dimensions = this.#settings.embeddingDimensions ?? 768;
    this.#embedCalls.push([...texts]);
    return await callWithRetry(() => Promise.resolve(texts.map((text) => hashEmbedding(text, dimensions))), {
      provider: providerName,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      maxRetries: 0,
    });
  }

  /** Marks the provider closed; idempotent. Later calls fail with `InvalidRequestError`. */
  close(): Promise<void> {
    this.#closeCount += 1;
    return Promise.resolve();
  }

  #assertOpen(): void {
    if (this.#closeCount > 0) {
      throw new InvalidRequestError({
        provider: providerName,
        message: 'echo: the provider is closed. Create a new EchoProvider instead of reusing a closed one.',
      });
    }
  }

  #retryOptions(options: CompletionOptions): CallWithRetryOptions {
    const retry = this.#settings.retry ?? {};
    return {
      provider: providerName,
      maxRetries: options.maxRetries ?? retry.maxRetries ?? defaultRetrySettings.maxRetries,
      baseDelayMs: retry.baseDelayMs,
      maxDelayMs: retry.maxDelayMs,
      signal: options.signal,
      timeoutMs: options.timeoutMs ?? this.#settings.timeoutMs,
    };
  }

  #compilePattern({ pattern, response }: EchoPatternResponse): {
    readonly pattern: RegExp;
    readonly response: EchoResponse;
  } {
    const compiled =
      typeof pattern === 'string'
        ? new RegExp(pattern, 'i')
        : new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
    return { pattern: compiled, response };
  }

  async #answer(
    messages: readonly LLMMessage[],
    options: CompletionOptions,
    signal: AbortSignal,
  ): Promise<ResolvedAnswer> {
    const answer = await this.#resolve(messages, options);
    const delayMs =
      answer.scripted.delayMs ?? (typeof this.#delay === 'function' ? this.#delay(messages) : this.#delay) ?? 0;
    if (delayMs > 0) await abortableDelay(delayMs, signal);
    if (answer.scripted.error !== undefined) throw toProviderError(answer.scripted.error);
    return answer;
  }

  async #resolve(messages: readonly LLMMessage[], options: CompletionOptions): Promise<ResolvedAnswer> {
    const toScripted = (response: EchoResponse): EchoScriptedResponse =>
      typeof response === 'string' ? { content: response } : response;
    if (this.#responseFunction !== undefined) {
      const computed = await this.#responseFunction(messages, options);
      if (computed !== undefined) return { scripted: toScripted(computed), source: 'function' };
    }
    if (this.#patterns.length > 0) {
      const userText = messages
        .filter((message) => message.role === 'user')
        .map((message) => message.content)
        .join(' ');
      const match = this.#patterns.find((entry) => entry.pattern.test(userText));
      if (match !== undefined) return { scripted: toScripted(match.response), source: 'pattern' };
    }
    if (this.#queue.length > 0) {
      if (this.#cycle) {
        const response = this.#queue[this.#cycleIndex % this.#queue.length] as EchoResponse;
        this.#cycleIndex += 1;
        return { scripted: toScripted(response), source: 'queue' };
      }
      return { scripted: toScripted(this.#queue.shift() as EchoResponse), source: 'queue' };
    }
    if (this.#settings.strict === true) throw new EchoScriptExhaustedError({ callNumber: this.#calls.length });
    const lastUser = messages.findLast((message) => message.role === 'user');
    const systemPrompt =
      this.#settings.echoSystem === true && this.#settings.systemPrompt !== undefined
        ? `[System: ${this.#settings.systemPrompt}]\n`
        : '';
    const content = `${systemPrompt}${this.#settings.echoPrefix ?? 'Echo: '}${lastUser?.content ?? '(no user message)'}`;
    return { scripted: { content }, source: 'echo' };
  }

  #assemble(
    { scripted, source }: ResolvedAnswer,
    messages: readonly LLMMessage[],
    options: CompletionOptions,
    attempts: number,
    chunk: (text: string) => readonly string[],
  ): StreamPart[] {
    const toolCalls: ToolCall[] = (scripted.toolCalls ?? []).map((toolCall) => ({
      id: toolCall.id ?? `call_${(this.#toolCallCounter += 1)}`,
      name: toolCall.name,
      arguments: toolCall.arguments ?? {},
    }));
    if (
      toolCalls.length > 0 &&
      (options.tools === undefined || options.tools.length === 0) &&
      this.#settings.strictTools !== false
    ) {
      throw new InvalidRequestError({
        provider: providerName,
        message: `echo: the scripted response has tool calls (${toolCalls.map((toolCall) => toolCall.name).join(', ')}) but the call offered no tools. Pass options.tools, or set strictTools: false.`,
      });
    }
    const content = scripted.content ?? '';
    const pieces = content === '' ? [] : chunk(content);
    if (pieces.join('') !== content) {
      throw new InvalidRequestError({
        provider: providerName,
        message: 'echo: the scripted chunks do not join to the scripted content. Fix the script.',
      });
    }
    const assembler = new StreamAssembler({
      provider: providerName,
      model: scripted.model ?? options.model ?? this.modelId,
      responseFormat: options.responseFormat,
    });
    const parts: StreamPart[] = [];
    for (const piece of pieces) {
      const part = assembler.text(piece);
      if (part !== undefined) parts.push(part);
    }
    toolCalls.forEach((toolCall, index) => {
      const json = JSON.stringify(toolCall.arguments);
      const middle = Math.ceil(json.length / 2);
      parts.push(
        assembler.toolCallDelta({ index, id: toolCall.id, name: toolCall.name, argumentsDelta: json.slice(0, middle) }),
      );
      parts.push(assembler.toolCallDelta({ index, argumentsDelta: json.slice(middle) }));
    });
    parts.push(
      ...assembler.finish({
        finishReason: scripted.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
        usage: scripted.usage ?? this.#usage(messages, content),
        metadata: { ...scripted.metadata, attempts, scripted: source },
      }),
    );
    return parts;
  }

  #usage(messages: readonly LLMMessage[], content: string): Usage {
    if (this.#settings.mockUsage === false) return { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
    const promptTokens = messages.reduce((sum, message) => sum + estimateTokens(message.content), 0);
    const completionTokens = estimateTokens(content);
    return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
  }
}
