import type { EmbeddingOptions, LLMResponse, StreamPart } from '@dk/spec';
import {
  BaseProvider,
  baseProviderSettingChecks,
  cancellableStream,
  checkSettings,
  clientDefaults,
  clientRequestOptions,
  ClientResolver,
} from '@dk/provider-utils';
import type { AttemptOptions, EmbedRequest, ModelRequest, SettingChecks } from '@dk/provider-utils';
import OpenAI from 'openai';
import { convertFromOpenAICompletion } from './convert-from-openai-completion.js';
import { convertFromOpenAIEmbeddings } from './convert-from-openai-embeddings.js';
import { convertFromOpenAIStream } from './convert-from-openai-stream.js';
import { createOpenAIRequestBody } from './create-openai-request-body.js';
import { mapOpenAIError } from './openai-error.js';
import type { OpenAIProviderSettings } from './openai-provider-settings.js';

const provider = 'openai';
const defaultModel = 'gpt-4o-mini';
const defaultEmbeddingModel = 'text-embedding-3-small';
const defaultBaseURL = 'https://api.openai.com/v1';
const defaultTimeoutMs = 600_000;

const settingChecks: SettingChecks = {
  ...baseProviderSettingChecks,
  model: 'non-empty-string',
  apiKey: 'string',
  baseURL: 'url',
  organization: 'string',
  project: 'string',
  headers: 'string-record',
  fetch: 'function',
  embeddingModel: 'non-empty-string',
  reasoningModel: 'boolean',
  strictJsonSchema: 'boolean',
  env: 'object',
};

/**
 * The OpenAI chat completions provider, on the official `openai` client. Also speaks to
 * OpenAI-compatible servers (Ollama, vLLM, llama.cpp, LM Studio) through `baseURL`.
 *
 * Supports text, tools (non-streaming and streaming, with tool-call deltas assembled),
 * JSON mode and JSON Schema structured output (validated with ajv), embeddings, reasoning
 * model parameter remaps and usage in streams. Retries, `Retry-After`, the whole-call deadline
 * and abort come from `BaseProvider`; the SDK's own retries are off, and each attempt hands
 * the call's signal and remaining deadline straight to the SDK.
 */
export class OpenAIProvider extends BaseProvider {
  readonly #settings: OpenAIProviderSettings;
  readonly #clients: ClientResolver<OpenAI>;

  constructor(settings: OpenAIProviderSettings = {}) {
    checkSettings('OpenAIProvider', settings, settingChecks);
    const clients = new ClientResolver({
      provider,
      apiKey: settings.apiKey,
      env: settings.env,
      environmentVariable: 'OPENAI_API_KEY',
      // Local compatible servers need no key; no Authorization header is sent then.
      keyOptional: settings.baseURL !== undefined,
      missingKeyMessage: 'OpenAI API key is missing. Pass `apiKey` or set OPENAI_API_KEY.',
      create: (apiKey) =>
        new OpenAI({
          apiKey: apiKey ?? 'no-api-key',
          adminAPIKey: null,
          organization: settings.organization ?? null,
          project: settings.project ?? null,
          baseURL: settings.baseURL ?? defaultBaseURL,
          defaultHeaders: { ...settings.headers, ...(apiKey === undefined ? { Authorization: null } : {}) },
          ...clientDefaults(settings.fetch),
        }),
    });
    super({
      provider,
      component: 'OpenAIProvider',
      modelId: settings.model ?? defaultModel,
      retry: settings.retry,
      timeoutMs: settings.timeoutMs ?? defaultTimeoutMs,
      clients,
    });
    this.#settings = settings;
    this.#clients = clients;
  }

  /** Sends one chat completion request. */
  async doComplete(request: ModelRequest, attempt: AttemptOptions): Promise<LLMResponse> {
    const { body, warnings } = this.#body(request);
    // The SDK puts the request id on the parsed body; `.withResponse()` would cost more.
    const data: unknown = await this.#clients
      .resolve()
      .chat.completions.create({ ...body, stream: false }, clientRequestOptions(attempt));
    return convertFromOpenAICompletion(data, { model: body.model, warnings, options: request.options });
  }

  /** Sends one streaming chat completion request; usage is asked for with `stream_options`. */
  async doStream(request: ModelRequest, attempt: AttemptOptions): Promise<AsyncIterable<StreamPart>> {
    const { body, warnings } = this.#body(request);
    const { data, request_id: requestId } = await this.#clients
      .resolve()
      .chat.completions.create(
        { ...body, stream: true, stream_options: { include_usage: true } },
        clientRequestOptions(attempt),
      )
      .withResponse();
    const parts = convertFromOpenAIStream(data, {
      model: body.model,
      warnings,
      responseFormat: request.options.responseFormat,
      requestId: requestId ?? undefined,
    });
    return cancellableStream(parts, () => data.controller.abort());
  }

  /** Sends one embeddings request (`embeddingModel`, or the call's `model`). */
  override async doEmbed({ texts, model }: EmbedRequest, attempt: AttemptOptions): Promise<number[][]> {
    const data: unknown = await this.#clients.resolve().embeddings.create(
      {
        model: model ?? this.#settings.embeddingModel ?? defaultEmbeddingModel,
        input: [...texts],
        encoding_format: 'float',
      },
      clientRequestOptions(attempt),
    );
    return convertFromOpenAIEmbeddings(data, texts.length);
  }

  /** Checks the key by listing the models (costs nothing); a missing key fails before any request. */
  override async doPing(attempt: AttemptOptions): Promise<void> {
    await this.#clients.resolve().models.list(clientRequestOptions(attempt));
  }

  /** Embeds texts with the embeddings endpoint, one vector per text in order. */
  embed(texts: readonly string[], options: EmbeddingOptions = {}): Promise<number[][]> {
    return this.embedTexts(texts, options);
  }

  protected override mapError(error: unknown): unknown {
    return mapOpenAIError(error);
  }

  #body({ messages, options }: ModelRequest): ReturnType<typeof createOpenAIRequestBody> {
    return createOpenAIRequestBody({
      messages,
      options,
      defaultModel: this.modelId,
      reasoningModel: this.#settings.reasoningModel,
      strictJsonSchema: this.#settings.strictJsonSchema,
    });
  }
}
