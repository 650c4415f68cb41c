import { ToolCallArgumentsError } from './tool-call-arguments-error.js';

/** Which tool call the arguments belong to, for {@link parseToolCallArguments}' errors. */
export interface ParseToolCallArgumentsOptions {
  readonly provider: string;
  readonly toolName: string;
  readonly toolCallId: string;
}

/**
 * Parses a tool call's JSON argument text into an object. Empty or whitespace-only text
 * (vendors send it for tools without parameters) gives `{}`. Text that is not JSON, or JSON
 * that is not an object, throws {@link ToolCallArgumentsError}.
 */
export function parseToolCallArguments(
  text: string,
  { provider, toolName, toolCallId }: ParseToolCallArgumentsOptions,
): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ToolCallArgumentsError({
      provider,
      toolName,
      toolCallId,
      argumentsText: text,
      cause: error,
      message: `${provider}: the arguments of tool call ${toolCallId} (${toolName}) are not valid JSON (${error instanceof Error ? error.message : String(error)}). Retry the request or describe the parameters more clearly.`,
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ToolCallArgumentsError({
      provider,
      toolName,
      toolCallId,
      argumentsText: text,
      message: `${provider}: the arguments of tool call ${toolCallId} (${toolName}) are JSON but not an object. Tool parameters must be a JSON object schema.`,
    });
  }
  return value as Record<string, unknown>;
}
