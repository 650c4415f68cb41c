import type { ConversationMiddleware, MiddlewareContext } from '@dk/conversations';
import type { LLMResponse } from '@dk/spec';

/** Token usage of one model, as reported by {@link UsageMonitor.snapshot}. */
export interface ModelUsage {
  readonly provider: string;
  readonly model: string;
  readonly calls: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly totalTokens: number;
}

/** Totals since start, per model. */
export interface UsageSnapshot {
  readonly since: string;
  readonly calls: number;
  readonly totalTokens: number;
  readonly models: readonly ModelUsage[];
}

/**
 * Middleware that counts the tokens of every answered model call (complete and stream),
 * per provider and model, for the `/api/usage` monitoring endpoint and the shutdown log.
 */
export class UsageMonitor implements ConversationMiddleware {
  readonly name = 'UsageMonitor';
  readonly #since = new Date();
  readonly #models = new Map<
    string,
    {
      provider: string;
      model: string;
      calls: number;
      promptTokens: number;
      completionTokens: number;
      totalTokens: number;
    }
  >();

  processResponse(response: LLMResponse, context: MiddlewareContext): undefined {
    const key = `${context.provider}\u0000${response.model}`;
    let entry = this.#models.get(key);
    if (entry === undefined) {
      entry = {
        provider: context.provider,
        model: response.model,
        calls: 0,
        promptTokens: 0,
        completionTokens: 0,
        totalTokens: 0,
      };
      this.#models.set(key, entry);
    }
    entry.calls += 1;
    // Unknown usage (a provider that reported none) adds no tokens.
    if (response.usage === undefined) return undefined;
    entry.promptTokens += response.usage.promptTokens;
    entry.completionTokens += response.usage.completionTokens;
    entry.totalTokens += response.usage.totalTokens;
    return undefined;
  }

  /** A copy of the totals. */
  snapshot(): UsageSnapshot {
    const models = [...this.#models.values()].map((entry) => ({ ...entry }));
    return {
      since: this.#since.toISOString(),
      calls: models.reduce((sum, entry) => sum + entry.calls, 0),
      totalTokens: models.reduce((sum, entry) => sum + entry.totalTokens, 0),
      models,
    };
  }
}
