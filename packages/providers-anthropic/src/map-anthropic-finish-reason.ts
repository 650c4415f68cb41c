import type { FinishReason } from '@dk/spec';

/**
 * Maps an Anthropic `stop_reason` to the portable finish reason: `end_turn` and
 * `stop_sequence` → `stop`; `max_tokens` and `model_context_window_exceeded` → `length`;
 * `tool_use` → `tool_calls`; `refusal` → `content_filter`; anything else (`pause_turn`,
 * unknown, missing) → `other`.
 */
export function mapAnthropicFinishReason(stopReason: string | null | undefined): FinishReason {
  switch (stopReason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'other';
  }
}
