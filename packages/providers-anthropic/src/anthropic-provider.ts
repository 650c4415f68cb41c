import Anthropic from '@anthropic-ai/sdk';
import { AuthenticationError, InvalidRequestError } from '@dk/spec';
import type {
  CompletionOptions,
  FinishReason,
  LLMInput,
  LLMProvider,
  LLMResponse,
  StreamPart,
  ToolCall,
  Usage,
} from '@dk/spec';
import {
  callWithRetry,
  createProviderError,
  normalizeInput,
  parseResponseOutput,
  StreamAssembler,
  streamWithRetry,
} from '@dk/provider-utils';
import type { CallWithRetryOptions } from '@dk/provider-utils';
import type { AnthropicMessage, AnthropicStreamEvent } from './anthropic-api.js';
import { mapAnthropicError } from './anthropic-error.js';
import type { AnthropicProviderSettings } from './anthropic-provider-settings.js';
import { createAnthropicRequestBody } from './create-anthropic-request-body.js';
import type { AnthropicRequestPlan } from './create-anthropic-request-body.js';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason.js';

const provider = 'anthropic';
const defaultModel = 'claude-sonnet-4-6';
const defaultBaseURL = 'https://api.anthropic.com';
const defaultMaxTokens = 4096;
const defaultTimeoutMs = 600_000;
// The SDK's own timeout is disabled in favour of our deadline; it still needs a number that
// fits a timer (below 2^31 ms). Setting it also skips the SDK's non-streaming size check.
const sdkTimeoutMs = 86_400_000;

interface ResolvedClient {
  readonly client: Anthropic;
  readonly secrets: readonly string[];
  /** Maps the client's stream failures (made once per client: streams reuse it). */
  readonly mapError: (error: unknown) => unknown;
}

interface UsageCounts {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

/**
 * The Anthropic Messages API provider, on the official `@anthropic-ai/sdk` client.
 *
 * Supports text, system messages (leading ones hoisted and joined; later ones per
 * `systemMessagePolicy`), tools (`tool_use` / `tool_result`, streamed with
 * `input_json_delta` assembled), JSON and JSON Schema response formats (per
 * `structuredOutputMode`, validated with ajv), a default `max_tokens`, stop reasons mapped,
 * retries with backoff and jitter honouring `Retry-After` (529 overloaded included), and
 * per-call deadlines and abort signals. No `embed`: Anthropic has no embeddings API.
 */
export class AnthropicProvider implements LLMProvider {
  readonly specificationVersion = 'v1';
  readonly provider = provider;
  readonly modelId: string;

  readonly #settings: AnthropicProviderSettings;
  #cached: (ResolvedClient & { readonly apiKey: string }) | undefined;
  #closed = false;

  constructor(settings: AnthropicProviderSettings = {}) {
    this.#settings = settings;
    this.modelId = settings.model ?? defaultModel;
  }

  /** Generates one message. */
  async complete(input: LLMInput, options: CompletionOptions = {}): Promise<LLMResponse> {
    const plan = this.#plan(input, options);
    const { client, secrets } = this.#resolveClient();
    let attempts = 0;
    const { data, requestId } = await callWithRetry(async ({ signal, attemptNumber }) => {
      attempts = attemptNumber;
      try {
        // The SDK puts the request id on the parsed body; `.withResponse()` would cost more.
        const data = await client.messages.create(
          { ...plan.body, stream: false },
          { signal, ...headersOption(options) },
        );
        return { data, requestId: data._request_id ?? undefined };
      } catch (error) {
        throw mapAnthropicError(error, secrets);
      }
    }, this.#retryOptions(options));
    return this.#toResponse(data, plan, { options, attempts, requestId });
  }

  /** Streams one message; the last part is `end` with the assembled response. */
  async *stream(input: LLMInput, options: CompletionOptions = {}): AsyncGenerator<StreamPart, void, undefined> {
    const plan = this.#plan(input, options);
    const { client, secrets, mapError } = this.#resolveClient();
    let attempts = 0;
    let requestId: string | undefined;
    const events = streamWithRetry<AnthropicStreamEvent>(
      async (context) => {
        attempts = context.attemptNumber;
        try {
          // No combined signal (costly in the SDK): the caller's signal and the deadline as
          // the request timeout cover the request; `onAbort` aborts the body once streaming.
          const result = await client.messages
            .create(
              { ...plan.body, stream: true },
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
          throw mapAnthropicError(error, secrets);
        }
      },
      // `message_start` carries no output: an `event: error` (e.g. overloaded) or a reset right
      // after it is still retried.
      { ...this.#retryOptions(options), isOutput: hasOutput, mapError },
    );

    const assembler = new StreamAssembler({ provider, model: plan.body.model, responseFormat: options.responseFormat });
    const toolBlocks = new Set<number>();
    let responseToolBlock: number | undefined;
    let usage: UsageCounts = {};
    let stopReason: string | null | undefined;
    let messageId: string | undefined;
    let stopped = false;

    for await (const event of events) {
      switch (event.type) {
        case 'message_start':
          messageId = event.message.id;
          assembler.setModel(event.message.model);
          usage = { ...event.message.usage };
          break;
        case 'content_block_start': {
          const block = event.content_block;
          if (block.type === 'text') {
            const part = assembler.text(block.text);
            if (part !== undefined) yield part;
          } else if (block.type === 'tool_use') {
            if (block.name === plan.responseToolName) {
              responseToolBlock = event.index;
            } else {
              toolBlocks.add(event.index);
              yield assembler.toolCallDelta({ index: event.index, id: block.id, name: block.name, argumentsDelta: '' });
            }
          }
          break;
        }
        case 'content_block_delta': {
          const delta = event.delta;
          if (delta.type === 'text_delta') {
            const part = assembler.text(delta.text);
            if (part !== undefined) yield part;
          } else if (delta.type === 'input_json_delta') {
            if (event.index === responseToolBlock) {
              // The structured answer arrives as the response tool's input: stream it as text.
              const part = assembler.text(delta.partial_json);
              if (part !== undefined) yield part;
            } else if (toolBlocks.has(event.index) && delta.partial_json !== '') {
              yield assembler.toolCallDelta({ index: event.index, argumentsDelta: delta.partial_json });
            }
          }
          break;
        }
        case 'content_block_stop':
          if (toolBlocks.has(event.index)) {
            const part = assembler.completeToolCall(event.index);
            if (part !== undefined) yield part;
          }
          break;
        case 'message_delta':
          stopReason = event.delta.stop_reason;
          usage = mergeUsage(usage, event.usage);
          break;
        case 'message_stop':
          stopped = true;
          break;
      }
    }

    if (!stopped) {
      throw createProviderError({
        provider,
        vendorMessage: 'the response stream ended before message_stop',
        requestId,
      });
    }
    const rawFinishReason = stopReason ?? undefined;
    const finishReason = this.#finishReason(rawFinishReason, toolBlocks.size > 0, responseToolBlock !== undefined);
    const parts = assembler.finish({
      finishReason,
      usage: toUsage(usage),
      metadata: { requestId, rawFinishReason, attempts, id: messageId },
      warnings: plan.warnings,
    });
    yield* parts;
  }

  /** Releases the client. Idempotent; later calls fail with `InvalidRequestError`. */
  close(): Promise<void> {
    this.#closed = true;
    this.#cached = undefined;
    return Promise.resolve();
  }

  #plan(input: LLMInput, options: CompletionOptions): AnthropicRequestPlan {
    if (this.#closed) {
      throw new InvalidRequestError({
        provider,
        message: 'anthropic: this provider was closed. Create a new provider with createAnthropicProvider().',
      });
    }
    const messages = normalizeInput(input, provider);
    return createAnthropicRequestBody({
      messages,
      options,
      defaultModel: this.modelId,
      defaultMaxTokens: this.#settings.maxTokens ?? defaultMaxTokens,
      systemMessagePolicy: this.#settings.systemMessagePolicy ?? 'hoist',
      structuredOutputMode: this.#settings.structuredOutputMode ?? 'tool',
    });
  }

  #retryOptions(options: CompletionOptions): CallWithRetryOptions {
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
    const apiKey = nonEmpty(settings.apiKey) ?? nonEmpty(environment['ANTHROPIC_API_KEY']);
    if (apiKey === undefined) {
      throw new AuthenticationError({
        provider,
        message: 'Anthropic API key is missing. Pass `apiKey` or set ANTHROPIC_API_KEY.',
      });
    }
    if (this.#cached !== undefined && this.#cached.apiKey === apiKey) return this.#cached;
    const client = new Anthropic({
      apiKey,
      authToken: null,
      baseURL: settings.baseURL ?? defaultBaseURL,
      maxRetries: 0,
      timeout: sdkTimeoutMs,
      logLevel: 'off',
      ...(settings.headers === undefined ? {} : { defaultHeaders: { ...settings.headers } }),
      ...(settings.fetch === undefined ? {} : { fetch: settings.fetch }),
    });
    const secrets = [apiKey];
    this.#cached = { client, apiKey, secrets, mapError: (error: unknown) => mapAnthropicError(error, secrets) };
    return this.#cached;
  }

  #finishReason(
    rawFinishReason: string | undefined,
    calledTools: boolean,
    answeredWithResponseTool: boolean,
  ): FinishReason {
    // Answering through the synthetic response tool is a normal end of turn, not a tool call.
    if (rawFinishReason === 'tool_use' && answeredWithResponseTool && !calledTools) return 'stop';
    return mapAnthropicFinishReason(rawFinishReason);
  }

  #toResponse(
    message: AnthropicMessage,
    plan: AnthropicRequestPlan,
    context: { readonly options: CompletionOptions; readonly attempts: number; readonly requestId: string | undefined },
  ): LLMResponse {
    let content = '';
    let answeredWithResponseTool = false;
    const toolCalls: ToolCall[] = [];
    for (const block of message.content) {
      if (block.type === 'text') {
        content += block.text;
      } else if (block.type === 'tool_use') {
        if (block.name === plan.responseToolName) {
          answeredWithResponseTool = true;
          content += JSON.stringify(block.input);
        } else {
          toolCalls.push({ id: block.id, name: block.name, arguments: asArguments(block.input) });
        }
      }
    }
    const rawFinishReason = message.stop_reason ?? undefined;
    return this.#finish(
      {
        content,
        model: message.model,
        finishReason: this.#finishReason(rawFinishReason, toolCalls.length > 0, answeredWithResponseTool),
        usage: toUsage(message.usage),
        ...(toolCalls.length > 0 ? { toolCalls } : {}),
        metadata: {
          provider,
          requestId: context.requestId,
          rawFinishReason,
          attempts: context.attempts,
          id: message.id,
        },
        warnings: plan.warnings,
      },
      context.options,
    );
  }

  /** Applies the response format (skipped when the model answered with tool calls). */
  #finish(response: LLMResponse, options: CompletionOptions): LLMResponse {
    const parsed = parseResponseOutput(response, options.responseFormat, provider);
    return parsed === undefined ? response : { ...response, parsed };
  }
}

/** Whether an event carries output, unlike `message_start` or an empty text block start. */
function hasOutput(event: AnthropicStreamEvent): boolean {
  switch (event.type) {
    case 'message_start':
      return false;
    case 'content_block_start':
      return event.content_block.type === 'text'
        ? event.content_block.text !== ''
        : event.content_block.type === 'tool_use';
    case 'content_block_delta':
      return event.delta.type === 'text_delta'
        ? event.delta.text !== ''
        : event.delta.type === 'input_json_delta'
          ? event.delta.partial_json !== ''
          : false;
    default:
      return true;
  }
}

const usageKeys = ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const;

function mergeUsage(previous: UsageCounts, next: UsageCounts): UsageCounts {
  const merged: UsageCounts = { ...previous };
  for (const key of usageKeys) {
    const value = next[key];
    if (typeof value === 'number') merged[key] = value;
  }
  return merged;
}

function toUsage(usage: UsageCounts): Usage {
  const promptTokens =
    (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);
  const completionTokens = usage.output_tokens ?? 0;
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
}

function asArguments(input: unknown): Readonly<Record<string, unknown>> {
  return typeof input === 'object' && input !== null && !Array.isArray(input)
    ? (input as Record<string, unknown>)
    : { value: input };
}

function headersOption(options: CompletionOptions): { headers?: Record<string, string> } {
  return options.headers === undefined ? {} : { headers: { ...options.headers } };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
