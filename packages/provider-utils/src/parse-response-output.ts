import type { FinishReason, ResponseFormat, ToolCall } from '@dk/spec';
import { parseStructuredOutput } from './parse-structured-output.js';

/** The parts of a response that decide whether its structured output applies. */
export interface ResponseOutputInput {
  /** The response text. */
  readonly content: string;
  readonly finishReason: FinishReason;
  /** The tool calls of the response, if any. */
  readonly toolCalls?: readonly ToolCall[] | undefined;
}

/**
 * Applies the call's response format to a finished response: returns the parsed (and, for a
 * JSON Schema, validated) value, or `undefined` when there is no JSON format or when the model
 * answered with tool calls (non-empty `toolCalls` or finish reason `tool_calls`): such a turn
 * asks for tool results first and carries no structured answer yet, so it is not parsed and
 * cannot fail. Otherwise a mismatch throws `StructuredOutputError` as {@link parseStructuredOutput}.
 *
 * @example
 * const parsed = parseResponseOutput({ content, finishReason, toolCalls }, options.responseFormat, 'openai');
 */
export function parseResponseOutput(
  response: ResponseOutputInput,
  responseFormat: ResponseFormat | undefined,
  provider: string,
): unknown {
  if (responseFormat === undefined || responseFormat.type === 'text') return undefined;
  if (response.finishReason === 'tool_calls' || (response.toolCalls?.length ?? 0) > 0) return undefined;
  return parseStructuredOutput(response.content, responseFormat, provider);
}
