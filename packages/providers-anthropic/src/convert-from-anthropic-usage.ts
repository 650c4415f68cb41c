import { createUsage } from '@dk/provider-utils';
import type { Usage } from '@dk/spec';

/** Anthropic's token counts, as a message or its stream events report them (any may be missing). */
export interface AnthropicUsageCounts {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

const usageKeys = ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const;

/** Overlays the counts a later event reports (`message_delta`) on the earlier ones (`message_start`). */
export function mergeAnthropicUsage(
  previous: AnthropicUsageCounts,
  next: AnthropicUsageCounts | null | undefined,
): AnthropicUsageCounts {
  if (typeof next !== 'object' || next === null) return previous;
  const merged: AnthropicUsageCounts = { ...previous };
  for (const key of usageKeys) {
    const value = next[key];
    if (typeof value === 'number') merged[key] = value;
  }
  return merged;
}

/**
 * Portable usage from Anthropic's counts: cache writes and reads count as prompt tokens.
 * `undefined` when the server reported no input or no output count (unknown, not zero).
 */
export function convertFromAnthropicUsage(usage: AnthropicUsageCounts | null | undefined): Usage | undefined {
  if (typeof usage !== 'object' || usage === null || typeof usage.input_tokens !== 'number') return undefined;
  const promptTokens =
    usage.input_tokens + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);
  return createUsage(promptTokens, usage.output_tokens);
}
