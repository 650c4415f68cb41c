import type { FinishReason, Usage } from '@dk/spec';
import type { EchoScriptedError, EchoScriptedResponse, EchoToolCall } from './echo-response.js';

/** Optional fields of {@link textResponse}. */
export interface TextResponseOptions {
  readonly model?: string;
  readonly finishReason?: FinishReason;
  readonly usage?: Usage;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** A scripted plain-text answer. */
export function textResponse(content: string, options: TextResponseOptions = {}): EchoScriptedResponse {
  return { content, ...options };
}

/** Optional fields of {@link toolCallResponse}. */
export interface ToolCallResponseOptions {
  /** Call id; default: the provider assigns `call_<n>`. */
  readonly id?: string;
  /** Text accompanying the call. Default `''`. */
  readonly content?: string;
  /** More tool calls in the same answer. */
  readonly additionalTools?: readonly EchoToolCall[];
}

/** A scripted answer calling one tool (plus `additionalTools`), finish reason `tool_calls`. */
export function toolCallResponse(
  name: string,
  args: Readonly<Record<string, unknown>> = {},
  options: ToolCallResponseOptions = {},
): EchoScriptedResponse {
  const first: EchoToolCall =
    options.id === undefined ? { name, arguments: args } : { id: options.id, name, arguments: args };
  return {
    content: options.content ?? '',
    toolCalls: [first, ...(options.additionalTools ?? [])],
    finishReason: 'tool_calls',
  };
}

/** A scripted answer calling several tools at once, finish reason `tool_calls`. */
export function multiToolResponse(toolCalls: readonly EchoToolCall[]): EchoScriptedResponse {
  return { content: '', toolCalls, finishReason: 'tool_calls' };
}

/** A scripted answer whose text is `data` as JSON (for JSON / JSON Schema response formats). */
export function extractionResponse(data: unknown): EchoScriptedResponse {
  return { content: JSON.stringify(data) };
}

/** A scripted failure of one attempt (a kind such as `rate-limit`, or a `ProviderError`). */
export function errorResponse(error: EchoScriptedError): EchoScriptedResponse {
  return { error };
}
