import type { FinishReason } from '@dk/spec';

/**
 * Maps an OpenAI `finish_reason` to the portable finish reason. `function_call` (the legacy
 * name of `tool_calls`) maps to `tool_calls`; anything unknown or missing maps to `other`.
 */
export function mapOpenAIFinishReason(finishReason: string | null | undefined): FinishReason {
  switch (finishReason) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'content_filter':
      return 'content_filter';
    default:
      return 'other';
  }
}
