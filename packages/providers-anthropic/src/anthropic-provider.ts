import Anthropic from '@anthropic-ai/sdk';
import type { LLMResponse, StreamPart } from '@dk/spec';
import {
  BaseProvider,
  baseProviderSettingChecks,
  cancellableStream,
  checkSettings,
  clientDefaults,
  clientRequestOptions,
  ClientResolver,
} from '@dk/provider-utils';
import type { AttemptOptions, ModelRequest, SettingChecks } from '@dk/provider-utils';
import { mapAnthropicError } from './anthropic-error.js';
import type { AnthropicProviderSettings } from './anthropic-provider-settings.js';
import { convertFromAnthropicMessage } from './convert-from-anthropic-message.js';
import { convertFromAnthropicStream } from './convert-from-anthropic-stream.js';
import { createAnthropicRequestBody } from './create-anthropic-request-body.js';
import type { AnthropicRequestPlan } from './create-anthropic-request-body.js';

const provider = 'anthropic';
const defaultModel = 'claude-sonnet-4-6';
const defaultBaseURL = 'https://api.anthropic.com';
const defaultMaxTokens = 4096;
const defaultTimeoutMs = 600_000;

const settingChecks: SettingChecks = {
  ...baseProviderSettingChecks,
  model: 'non-empty-string',
  apiKey: 'string',
  baseURL: 'url',
  headers: 'string-record',
  fetch: 'function',
  maxTokens: 'positive-integer',
  systemMessagePolicy: { oneOf: ['hoist', 'as-user', 'error'] },
  structuredOutputMode: { oneOf: ['tool', 'output-format', 'prompt'] },
  env: 'object',
};

/**
 * The Anthropic Messages API provider, on the official `@anthropic-ai/sdk` client.
 *
 * Supports text, system messages (leading ones hoisted and joined; later ones per
 * `systemMessagePolicy`), tools (`tool_use` / `tool_result`, streamed with
 * `input_json_delta` assembled), JSON and JSON Schema response formats (per
 * `structuredOutputMode`, validated with ajv), a default `max_tokens` and stop reasons mapped.
 * Retries (529 overloaded included), `Retry-After`, the whole-call deadline and abort come from
 * `BaseProvider`; each attempt hands the call's signal and remaining deadline straight to the
 * SDK. No `embed`: Anthropic has no embeddings API.
 */
export class AnthropicProvider extends BaseProvider {
  readonly #settings: AnthropicProviderSettings;
  readonly #clients: ClientResolver<Anthropic>;

  constructor(settings: AnthropicProviderSettings = {}) {
    checkSettings('AnthropicProvider', settings, settingChecks);
    const clients = new ClientResolver({
      provider,
      apiKey: settings.apiKey,
      env: settings.env,
      environmentVariable: 'ANTHROPIC_API_KEY',
      missingKeyMessage: 'Anthropic API key is missing. Pass `apiKey` or set ANTHROPIC_API_KEY.',
      create: (apiKey) =>
        new Anthropic({
          apiKey: apiKey ?? null,
          authToken: null,
          baseURL: settings.baseURL ?? defaultBaseURL,
          ...(settings.headers === undefined ? {} : { defaultHeaders: { ...settings.headers } }),
          // A client timeout also skips the SDK's size check of non-streaming requests.
          ...clientDefaults(settings.fetch),
        }),
    });
    super({
      provider,
      component: 'AnthropicProvider',
      modelId: settings.model ?? defaultModel,
      retry: settings.retry,
      timeoutMs: settings.timeoutMs ?? defaultTimeoutMs,
      clients,
    });
    this.#settings = settings;
    this.#clients = clients;
  }

  /** Sends one Messages request. */
  async doComplete(request: ModelRequest, attempt: AttemptOptions): Promise<LLMResponse> {
    const plan = this.#plan(request);
    // The SDK puts the request id on the parsed body; `.withResponse()` would cost more.
    const data: unknown = await this.#clients
      .resolve()
      .messages.create({ ...plan.body, stream: false }, clientRequestOptions(attempt));
    return convertFromAnthropicMessage(data, {
      model: plan.body.model,
      warnings: plan.warnings,
      responseToolName: plan.responseToolName,
      options: request.options,
    });
  }

  /** Sends one streaming Messages request. */
  async doStream(request: ModelRequest, attempt: AttemptOptions): Promise<AsyncIterable<StreamPart>> {
    const plan = this.#plan(request);
    const { data, request_id: requestId } = await this.#clients
      .resolve()
      .messages.create({ ...plan.body, stream: true }, clientRequestOptions(attempt))
      .withResponse();
    const parts = convertFromAnthropicStream(data, {
      model: plan.body.model,
      warnings: plan.warnings,
      responseFormat: request.options.responseFormat,
      responseToolName: plan.responseToolName,
      requestId: requestId ?? undefined,
    });
    return cancellableStream(parts, () => data.controller.abort());
  }

  /** Checks the key by listing one model (costs nothing); a missing key fails before any request. */
  override async doPing(attempt: AttemptOptions): Promise<void> {
    await this.#clients.resolve().models.list({ limit: 1 }, clientRequestOptions(attempt));
  }

  protected override mapError(error: unknown): unknown {
    return mapAnthropicError(error);
  }

  #plan({ messages, options }: ModelRequest): AnthropicRequestPlan {
    return createAnthropicRequestBody({
      messages,
      options,
      defaultModel: this.modelId,
      defaultMaxTokens: this.#settings.maxTokens ?? defaultMaxTokens,
      systemMessagePolicy: this.#settings.systemMessagePolicy ?? 'hoist',
      structuredOutputMode: this.#settings.structuredOutputMode ?? 'tool',
    });
  }
}
