import { AuthenticationError, InvalidRequestError } from '@dk/spec';
import type {
  CompletionOptions,
  EmbeddingOptions,
  FinishReason,
  LLMInput,
  LLMProvider,
  LLMResponse,
  ProviderWarning,
  StreamPart,
  ToolCall,
  Usage,
} from '@dk/spec';
import {
  callWithRetry,
  createProviderError,
  normalizeInput,
  parseResponseOutput,
  parseToolCallArguments,
  StreamAssembler,
  streamWithRetry,
} from '@dk/provider-utils';
import type { CallWithRetryOptions } from '@dk/provider-utils';
import OpenAI from 'openai';
import { createOpenAIRequestBody } from './create-openai-request-body.js';
import { mapOpenAIError } from './openai-error.js';
import type { OpenAIChatCompletion, OpenAIChatCompletionChunk } from './openai-api.js';
import type { OpenAIProviderSettings } from './openai-provider-settings.js';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';

const provider = 'openai';
const defaultModel = 'gpt-4o-mini';
const defaultEmbeddingModel = 'text-embedding-3-small';
const defaultBaseURL = 'https://api.openai.com/v1';
const defaultTimeoutMs = 600_000;
// The SDK's own timeout is disabled in favour of our deadline; it still needs a number that
// fits a timer (below 2^31 ms).
const sdkTimeoutMs = 86_400_000;

interface ResolvedClient {
  readonly client: OpenAI;
  readonly secrets: readonly string[];
  /** Maps the client's stream failures (made once per client: streams reuse it). */
  readonly mapError: (error: unknown) => unknown;
}

/**
 * The OpenAI chat completions provider, on the official `openai` client. Also speaks to
 * OpenAI-compatible servers (Ollama, vLLM, llama.cpp, LM Studio) through `baseURL`.
 *
 * Supports text, tools (non-streaming and streaming, with tool-call deltas assembled),
 * JSON mode and JSON Schema structured output (validated with ajv), embeddings, reasoning
 * model parameter remaps, usage in streams, retries with backoff and jitter honouring
 * `Retry-After`, and per-call deadlines and abort signals. The SDK's own retries and
 * timeouts are disabled so every provider behaves the same.
 */
export class OpenAIProvider implements LLMProvider {
  readonly specificationVersion = 'v1';
  readonly provider = provider;
  readonly modelId: string;

  readonly #settings: OpenAIProviderSettings;
  #cached: (ResolvedClient & { readonly apiKey: string | undefined }) | undefined;
  #closed = false;

  constructor(settings: OpenAIProviderSettings = {}) {
    this.#settings = settings;
    this.modelId = settings.model ?? defaultModel;
  }

  /** Generates one chat completion. */
  async complete(input: LLMInput, options: CompletionOptions = {}): Promise<LLMResponse> {
    this.#assertOpen();
    const messages = normalizeInput(input, provider);
    const { body, warnings } = createOpenAIRequestBody({
      messages,
      options,
      defaultModel: this.modelId,
      reasoningModel: this.#settings.reasoningModel,
      strictJsonSchema: this.#settings.strictJsonSchema,
    });
    const { client, secrets } = this.#resolveClient();
    let attempts = 0;
    const { data, requestId } = await callWithRetry(async ({ signal, attemptNumber }) => {
      attempts = attemptNumber;
      try {
        // The SDK puts the request id on the parsed body; `.withResponse()` would cost more.
        const data = await client.chat.completions.create(
          { ...body, stream: false },
          { signal, ...headersOption(options) },
        );
        return { data, requestId: data._request_id ?? undefined };
      } catch (error) {
        throw mapOpenAIError(error, secrets);
      }
    }, this.#retryOptions(options));
    return this.#toResponse(data, { options, warnings, attempts, requestId });
  }

  /** Streams one chat completion; the last part is `end` with the assembled response. */
  async *stream(input: LLMInput, options: CompletionOptions = {}): AsyncGenerator<StreamPart, void, undefined> {
    this.#assertOpen();
    const messages = normalizeInput(input, provider);
    const { body, warnings } = createOpenAIRequestBody({
      messages,
      options,
      defaultModel: this.modelId,
      reasoningModel: this.#settings.reasoningModel,
      strictJsonSchema: this.#settings.strictJsonSchema,
    });
    const { client, secrets, mapError } = this.#resolveClient();
    let attempts = 0;
    let requestId: string | undefined;
    const chunks = streamWithRetry<OpenAIChatCompletionChunk>(
      async (context) => {
        attempts = context.attemptNumber;
        try {
          // No combined signal (costly in the SDK): the caller's signal and the deadline as
          // the request timeout cover the request; `onAbort` aborts the body once streaming.
          const result = await client.chat.completions
            .create(
              { ...body, stream: true, stream_options: { include_usage: true } },
              {
                signal: context.callerSignal ?? null,
                timeout: context.remainingMs ?? sdkTimeoutMs,
                ...headersOption(options),
              },
            )
            .withResponse();
          requestId = result.request_id ?? undefined;
          const stream = result.data;
          context.onAbort(() => {
            stream.controller.abort();
          });
          return stream;
        } catch (error) {
          throw mapOpenAIError(error, secrets);
        }
      },
      // The role chunk carries no output: a failure right after it is still retried.
      { ...this.#retryOptions(options), isOutput: hasOutput, mapError },
    );

    const assembler = new StreamAssembler({ provider, model: body.model, responseFormat: options.responseFormat });
    let rawFinishReason: string | undefined;
    let usage: Usage | undefined;
    let responseId: string | undefined;

    for await (const chunk of chunks) {
      assembler.setModel(chunk.model);
      responseId ??= chunk.id;
      if (chunk.usage) usage = toUsage(chunk.usage);
      const choice = chunk.choices[0];
      if (choice === undefined) continue;
      const delta = choice.delta;
      if (typeof delta.content === 'string') {
        const part = assembler.text(delta.content);
        if (part !== undefined) yield part;
      }
      const toolDeltas = delta.tool_calls;
      if (toolDeltas !== undefined && toolDeltas !== null) {
        for (let position = 0; position < toolDeltas.length; position += 1) {
          const toolDelta = toolDeltas[position] as (typeof toolDeltas)[number];
          yield assembler.toolCallDelta({
            index: typeof toolDelta.index === 'number' ? toolDelta.index : position,
            id: toolDelta.id,
            name: toolDelta.function?.name,
            argumentsDelta: toolDelta.function?.arguments ?? '',
          });
        }
      }
      if (choice.finish_reason) rawFinishReason = choice.finish_reason;
    }

    if (rawFinishReason === undefined) {
      throw createProviderError({
        provider,
        vendorMessage: 'the response stream ended before a finish reason was received',
        requestId,
      });
    }
    const streamWarnings = [...warnings];
    if (usage === undefined) {
      streamWarnings.push({
        type: 'other',
        message: 'The server did not report token usage for this stream; usage is zero.',
      });
    }
    const parts = assembler.finish({
      finishReason: mapOpenAIFinishReason(rawFinishReason),
      usage,
      metadata: { requestId, rawFinishReason, attempts, id: responseId },
      warnings: streamWarnings,
    });
    yield* parts;
  }

  /** Embeds texts with the embeddings endpoint (`embeddingModel`, or `options.model`). */
  async embed(texts: readonly string[], options: EmbeddingOptions = {}): Promise<number[][]> {
    this.#assertOpen();
    if (!Array.isArray(texts) || texts.some((text) => typeof text !== 'string')) {
      throw new InvalidRequestError({ provider, message: 'openai: embed expects an array of strings.' });
    }
    if (texts.length === 0) return [];
    const { client, secrets } = this.#resolveClient();
    const model = options.model ?? this.#settings.embeddingModel ?? defaultEmbeddingModel;
    const result = await callWithRetry(async ({ signal }) => {
      try {
        return await client.embeddings.create({ model, input: [...texts], encoding_format: 'float' }, { signal });
      } catch (error) {
        throw mapOpenAIError(error, secrets);
      }
    }, this.#retryOptions(options));
    const vectors: number[][] = new Array<number[]>(texts.length);
    for (const item of result.data) vectors[item.index] = item.embedding;
    if (result.data.length !== texts.length || vectors.some((vector) => !Array.isArray(vector))) {
      throw createProviderError({
        provider,
        vendorMessage: `the embeddings response has ${result.data.length} vectors for ${texts.length} texts`,
      });
    }
    return vectors;
  }

  /** Releases the client. Idempotent; later calls fail with `InvalidRequestError`. */
  close(): Promise<void> {
    this.#closed = true;
    this.#cached = undefined;
    return Promise.resolve();
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new InvalidRequestError({
        provider,
        message: 'openai: this provider was closed. Create a new provider with createOpenAIProvider().',
      });
    }
  }

  #retryOptions(options: CompletionOptions | EmbeddingOptions): CallWithRetryOptions {
    const retry = this.#settings.retry;
    return {
      provider,
      maxRetries: options.maxRetries ?? retry?.maxRetries,
      baseDelayMs: retry?.baseDelayMs,
      maxDelayMs: retry?.maxDelayMs,
      signal: options.signal,
      timeoutMs: options.timeoutMs ?? this.#settings.timeoutMs ?? defaultTimeoutMs,
    };
  }

  /** The client for the key in effect now (settings, else the environment at call time). */
  #resolveClient(): ResolvedClient {
    const settings = this.#settings;
    const environment = settings.env ?? process.env;
    const apiKey = nonEmpty(settings.apiKey) ?? nonEmpty(environment['OPENAI_API_KEY']);
    if (apiKey === undefined && settings.baseURL === undefined) {
      throw new AuthenticationError({
        provider,
        message: 'OpenAI API key is missing. Pass `apiKey` or set OPENAI_API_KEY.',
      });
    }
    if (this.#cached !== undefined && this.#cached.apiKey === apiKey) return this.#cached;
    const client = new OpenAI({
      // Without a key (local compatible servers) the Authorization header is removed below.
      apiKey: apiKey ?? 'no-api-key',
      adminAPIKey: null,
      organization: settings.organization ?? null,
      project: settings.project ?? null,
      baseURL: settings.baseURL ?? defaultBaseURL,
      maxRetries: 0,
      timeout: sdkTimeoutMs,
      logLevel: 'off',
      defaultHeaders: { ...settings.headers, ...(apiKey === undefined ? { Authorization: null } : {}) },
      ...(settings.fetch === undefined ? {} : { fetch: settings.fetch }),
    });
    const secrets = apiKey === undefined ? [] : [apiKey];
    this.#cached = { client, apiKey, secrets, mapError: (error: unknown) => mapOpenAIError(error, secrets) };
    return this.#cached;
  }

  #toResponse(
    completion: OpenAIChatCompletion,
    context: {
      readonly options: CompletionOptions;
      readonly warnings: ProviderWarning[];
      readonly attempts: number;
      readonly requestId: string | undefined;
    },
  ): LLMResponse {
    const choice = completion.choices[0];
    if (choice === undefined) {
      throw createProviderError({
        provider,
        vendorMessage: 'the response has no choices',
        requestId: context.requestId,
      });
    }
    const message = choice.message;
    const toolCalls: ToolCall[] = [];
    for (const toolCall of message.tool_calls ?? []) {
      if (toolCall.type !== 'function') continue;
      toolCalls.push({
        id: toolCall.id,
        name: toolCall.function.name,
        arguments: parseToolCallArguments(toolCall.function.arguments, {
          provider,
          toolName: toolCall.function.name,
          toolCallId: toolCall.id,
        }),
      });
    }
    const warnings = [...context.warnings];
    if (completion.usage === undefined) {
      warnings.push({ type: 'other', message: 'The server did not report token usage; usage is zero.' });
    }
    const rawFinishReason = choice.finish_reason as string | null;
    let finishReason = mapOpenAIFinishReason(rawFinishReason);
    if (message.refusal != null && message.refusal !== '' && (message.content ?? '') === '')
      finishReason = 'content_filter';
    return this.#finish({
      content: message.content ?? '',
      model: completion.model,
      finishReason,
      usage: completion.usage ? toUsage(completion.usage) : { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
      toolCalls,
      options: context.options,
      warnings,
      metadata: {
        provider,
        requestId: context.requestId,
        rawFinishReason,
        attempts: context.attempts,
        id: completion.id,
        ...(message.refusal != null ? { refusal: message.refusal } : {}),
      },
    });
  }

  #finish(parts: {
    readonly content: string;
    readonly model: string;
    readonly finishReason: FinishReason;
    readonly usage: Usage;
    readonly toolCalls: readonly ToolCall[];
    readonly options: CompletionOptions;
    readonly warnings: readonly ProviderWarning[];
    readonly metadata: Record<string, unknown>;
  }): LLMResponse {
    const { content, toolCalls, options } = parts;
    // A model that answers with tool calls has not produced the structured answer yet.
    const parsed = parseResponseOutput(
      { content, finishReason: parts.finishReason, toolCalls },
      options.responseFormat,
      provider,
    );
    return {
      content,
      model: parts.model,
      finishReason: parts.finishReason,
      usage: parts.usage,
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
      ...(parsed === undefined ? {} : { parsed }),
      metadata: parts.metadata,
      warnings: parts.warnings,
    };
  }
}

/** Whether a chunk carries output (text, tool calls, a finish reason or usage), unlike the leading role chunk. */
function hasOutput(chunk: OpenAIChatCompletionChunk): boolean {
  if (chunk.usage) return true;
  const choice = chunk.choices[0];
  if (choice === undefined) return false;
  return (
    Boolean(choice.finish_reason) || (choice.delta.content ?? '') !== '' || (choice.delta.tool_calls?.length ?? 0) > 0
  );
}

function toUsage(usage: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number }): Usage {
  const promptTokens = usage.prompt_tokens ?? 0;
  const completionTokens = usage.completion_tokens ?? 0;
  return { promptTokens, completionTokens, totalTokens: usage.total_tokens ?? promptTokens + completionTokens };
}

function headersOption(options: CompletionOptions): { headers?: Record<string, string> } {
  return options.headers === undefined ? {} : { headers: { ...options.headers } };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
