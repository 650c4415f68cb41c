import type { Usage } from '@dk/spec';

/**
 * Builds `Usage` from a vendor's token counts, or returns `undefined` when the vendor did not
 * report both the prompt and the completion counts: unknown usage is never turned into zeros
 * (`BaseProvider` then adds a warning, and cost tracking records the call as unpriced).
 * `totalTokens` defaults to their sum.
 *
 * @example
 * createUsage(usage?.prompt_tokens, usage?.completion_tokens, usage?.total_tokens)
 */
export function createUsage(
  promptTokens: number | null | undefined,
  completionTokens: number | null | undefined,
  totalTokens?: number | null,
): Usage | undefined {
  if (typeof promptTokens !== 'number' || typeof completionTokens !== 'number') return undefined;
  return {
    promptTokens,
    completionTokens,
    totalTokens: typeof totalTokens === 'number' ? totalTokens : promptTokens + completionTokens,
  };
}
