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
 * that is not a message (an HTML page, JSON without a `content` list, a `text` block without
 * text, a `tool_use` block without `id`, `name` or `input`) is an `InvalidResponseError`. Block
 * types dk does not use (`thinking`, …) are skipped.
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
  message.content.forEach((entry: unknown, index) => {
    const block = checkedContentBlock(entry, `\`content[${index}]\``, requestId);
    if (block.type === 'text') {
      content += block.text;
    } else if (block.type === 'tool_use') {
      if (responseToolName !== undefined && block.name === responseToolName) {
        answeredWithResponseTool = true;
        content += JSON.stringify(block.input);
      } else {
        toolCalls.push({ id: block.id, name: block.name, arguments: asArguments(block.input) });
      }
    }
  });
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

/** A content block as it may arrive: the fields dk reads are checked before use. */
type CheckedContentBlock =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'tool_use'; readonly id: string; readonly name: string; readonly input: unknown }
  | { readonly type: 'other' };

/**
 * Checks a `text` or `tool_use` block (in a message, or a stream's `content_block_start`): text
 * must be a string; a tool use needs a non-empty `id` and `name` and an `input`. Other block
 * types are reported as `other`. `where` names the block in the error.
 */
export function checkedContentBlock(value: unknown, where: string, requestId: string | undefined): CheckedContentBlock {
  const block = value as { type?: unknown; text?: unknown; id?: unknown; name?: unknown; input?: unknown } | null;
  if (typeof block !== 'object' || block === null) {
    throw createInvalidResponseError({ provider, problem: `${where} is not a content block`, requestId });
  }
  if (block.type === 'text') {
    if (typeof block.text === 'string') return { type: 'text', text: block.text };
    throw createInvalidResponseError({ provider, problem: `${where} is a \`text\` block without text`, requestId });
  }
  if (block.type !== 'tool_use') return { type: 'other' };
  const missing = [
    ...(typeof block.id === 'string' && block.id !== '' ? [] : ['`id`']),
    ...(typeof block.name === 'string' && block.name !== '' ? [] : ['`name`']),
    ...(block.input === undefined ? ['`input`'] : []),
  ];
  if (missing.length > 0) {
    throw createInvalidResponseError({
      provider,
      problem: `${where} is a \`tool_use\` block without ${missing.join(', ')}`,
      requestId,
    });
  }
  return { type: 'tool_use', id: block.id as string, name: block.name as string, input: block.input };
}
