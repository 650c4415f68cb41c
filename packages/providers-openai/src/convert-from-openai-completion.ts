import type { CompletionOptions, LLMResponse, ProviderWarning, ToolCall } from '@dk/spec';
import {
  createInvalidResponseError,
  createUsage,
  parseResponseOutput,
  parseToolCallArguments,
} from '@dk/provider-utils';
import type { OpenAIChatCompletion } from './openai-api.js';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';

const provider = 'openai';

/** What {@link convertFromOpenAICompletion} needs besides the body. */
export interface ConvertFromOpenAICompletionContext {
  /** The requested model, reported when the server names none. */
  readonly model: string;
  readonly warnings: readonly ProviderWarning[];
  readonly options: Pick<CompletionOptions, 'responseFormat'>;
}

/**
 * Turns a chat completion body into an `LLMResponse`: text, tool calls (arguments parsed),
 * finish reason (a refusal without text is `content_filter`), usage (`undefined` when the
 * server reports none) and the structured output of a JSON response format. A body that is not
 * a chat completion (an HTML page, JSON without `choices[0].message`, a function tool call
 * without a name or with arguments that are not text) is an `InvalidResponseError`. A tool call
 * without an id gets `call_<index>`, as in a stream.
 */
export function convertFromOpenAICompletion(
  data: unknown,
  { model, warnings, options }: ConvertFromOpenAICompletionContext,
): LLMResponse {
  const completion = data as (Partial<OpenAIChatCompletion> & { _request_id?: string | null }) | null | undefined;
  const choice = Array.isArray(completion?.choices) ? completion.choices[0] : undefined;
  const message = choice?.message as Partial<OpenAIChatCompletion['choices'][number]['message']> | undefined;
  const requestId = typeof completion === 'object' ? (completion?._request_id ?? undefined) : undefined;
  if (typeof message !== 'object' || message === null) {
    throw createInvalidResponseError({
      provider,
      problem: 'expected a chat completion with `choices[0].message`',
      body: data,
      requestId,
    });
  }
  if (message.content != null && typeof message.content !== 'string') {
    throw createInvalidResponseError({ provider, problem: '`choices[0].message.content` is not text', requestId });
  }
  const toolCalls = convertToolCalls(message.tool_calls, requestId);
  const content = message.content ?? '';
  const rawFinishReason = (choice?.finish_reason as string | null | undefined) ?? undefined;
  const refused = message.refusal != null && message.refusal !== '' && content === '';
  const finishReason = refused ? 'content_filter' : mapOpenAIFinishReason(rawFinishReason);
  const usage = createUsage(
    completion?.usage?.prompt_tokens,
    completion?.usage?.completion_tokens,
    completion?.usage?.total_tokens,
  );
  // A model that answers with tool calls has not produced the structured answer yet.
  const parsed = parseResponseOutput({ content, finishReason, toolCalls }, options.responseFormat, provider);
  return {
    content,
    model: typeof completion?.model === 'string' ? completion.model : model,
    finishReason,
    usage,
    ...(toolCalls.length > 0 ? { toolCalls } : {}),
    ...(parsed === undefined ? {} : { parsed }),
    metadata: {
      provider,
      requestId,
      rawFinishReason,
      id: completion?.id,
      ...(message.refusal != null ? { refusal: message.refusal } : {}),
    },
    warnings,
  };
}

/** A tool call as it may arrive: every field checked before use. */
interface WireToolCall {
  readonly id?: unknown;
  readonly type?: unknown;
  readonly function?: { readonly name?: unknown; readonly arguments?: unknown } | null;
}

/** The function tool calls of a message; other tool call types (`custom`) are skipped. */
function convertToolCalls(value: unknown, requestId: string | undefined): ToolCall[] {
  if (value == null) return [];
  if (!Array.isArray(value)) {
    throw createInvalidResponseError({ provider, problem: '`choices[0].message.tool_calls` is not a list', requestId });
  }
  const toolCalls: ToolCall[] = [];
  value.forEach((entry: unknown, index) => {
    const toolCall = entry as WireToolCall | null;
    const where = `\`choices[0].message.tool_calls[${index}]\``;
    if (typeof toolCall !== 'object' || toolCall === null) {
      throw createInvalidResponseError({ provider, problem: `${where} is not an object`, requestId });
    }
    if (toolCall.type !== 'function') return;
    const fn = toolCall.function;
    if (typeof fn !== 'object' || fn === null || typeof fn.name !== 'string' || fn.name === '') {
      throw createInvalidResponseError({ provider, problem: `${where} has no \`function.name\``, requestId });
    }
    if (typeof fn.arguments !== 'string') {
      throw createInvalidResponseError({
        provider,
        problem: `the arguments of ${where} (${fn.name}) are not text`,
        requestId,
      });
    }
    const id = typeof toolCall.id === 'string' && toolCall.id !== '' ? toolCall.id : `call_${index}`;
    toolCalls.push({
      id,
      name: fn.name,
      arguments: parseToolCallArguments(fn.arguments, { provider, toolName: fn.name, toolCallId: id }),
    });
  });
  return toolCalls;
}
