import type { CompletionOptions, FinishReason, LLMResponse, ProviderWarning, ToolCall } from '@dk/spec';
import { createInvalidResponseError, parseResponseOutput } from '@dk/provider-utils';
import type { AnthropicMessage } from './anthropic-api.js';
import { convertFromAnthropicUsage } from './convert-from-anthropic-usage.js';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason.js';

const provider = 'anthropic';

/** What {@link convertFromAnthropicMessage} needs besides the body. */
export interface ConvertFromAnthropicMessageContext {
  /** The requested model, reported when the server names none. */
  readonly model: string;
  readonly warnings: readonly ProviderWarning[];
  /** The synthetic tool whose input is the structured answer (`tool` structured-output mode). */
  readonly responseToolName: string | undefined;
  readonly options: Pick<CompletionOptions, 'responseFormat'>;
}

/**
 * The portable finish reason: answering through the synthetic response tool is a normal end of
 * turn, not a tool call.
 */
export function anthropicFinishReason(
  rawFinishReason: string | undefined,
  calledTools: boolean,
  answeredWithResponseTool: boolean,
): FinishReason {
  if (rawFinishReason === 'tool_use' && answeredWithResponseTool && !calledTools) return 'stop';
  return mapAnthropicFinishReason(rawFinishReason);
}

/**
 * Turns a Messages API body into an `LLMResponse`: text blocks joined, `tool_use` blocks as tool
 * calls (the response tool's input as the text), the stop reason mapped, usage (`undefined`
 * when the server reports none) and the structured output of a JSON response format. A body
 * that is not a message (an HTML page, JSON without a `content` list) is an `InvalidResponseError`.
 */
export function convertFromAnthropicMessage(
  data: unknown,
  { model, warnings, responseToolName, options }: ConvertFromAnthropicMessageContext,
): LLMResponse {
  const message = data as (Partial<AnthropicMessage> & { _request_id?: string | null }) | null | undefined;
  const requestId = typeof message === 'object' ? (message?._request_id ?? undefined) : undefined;
  if (typeof message !== 'object' || message === null || !Array.isArray(message.content)) {
    throw createInvalidResponseError({
      provider,
      problem: 'expected a message with a `content` list',
      body: data,
      requestId,
    });
  }
  let content = '';
  let answeredWithResponseTool = false;
  const toolCalls: ToolCall[] = [];
  for (const block of message.content) {
    if (block?.type === 'text') {
      content += block.text;
    } else if (block?.type === 'tool_use') {
      if (block.name === responseToolName) {
        answeredWithResponseTool = true;
        content += JSON.stringify(block.input);
      } else {
        toolCalls.push({ id: block.id, name: block.name, arguments: asArguments(block.input) });
      }
    }
  }
  const rawFinishReason = message.stop_reason ?? undefined;
  const finishReason = anthropicFinishReason(rawFinishReason, toolCalls.length > 0, answeredWithResponseTool);
  const parsed = parseResponseOutput({ content, finishReason, toolCalls }, options.responseFormat, provider);
  return {
    content,
    model: typeof message.model === 'string' ? message.model : model,
    finishReason,
    usage: convertFromAnthropicUsage(message.usage),
    ...(toolCalls.length > 0 ? { toolCalls } : {}),
    ...(parsed === undefined ? {} : { parsed }),
    metadata: { provider, requestId, rawFinishReason, id: message.id },
    warnings,
  };
}

function asArguments(input: unknown): Readonly<Record<string, unknown>> {
  return typeof input === 'object' && input !== null && !Array.isArray(input)
    ? (input as Record<string, unknown>)
    : { value: input };
}
