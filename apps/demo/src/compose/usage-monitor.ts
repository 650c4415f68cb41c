import type { ConversationMiddleware, MiddlewareContext } from '@dk/conversations';
import type { LLMResponse, TokenBudget } from '@dk/spec';
import type { JsonLogger } from '../log/json-logger.js';

/** Token usage of one model, as reported by {@link UsageMonitor.snapshot}. */
export interface ModelUsage {
  readonly provider: string;
  readonly model: string;
  readonly calls: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly totalTokens: number;
}

/** Totals per model: of every server sharing the counters (Redis), or of this process (memory). */
export interface UsageSnapshot {
  /** When this process started counting. */
  readonly since: string;
  /** Where the counts live: `memory` (this process) or `redis` (every server with the same prefix). */
  readonly counters: string;
  readonly calls: number;
  readonly totalTokens: number;
  readonly models: readonly ModelUsage[];
}

const fields = ['calls', 'promptTokens', 'completionTokens', 'totalTokens'] as const;

/** Options of {@link UsageMonitor}. */
export interface UsageMonitorOptions {
  /** Where the counts live: a `MemoryTokenBudget` (this process) or a shared one (Redis). */
  readonly counters: TokenBudget;
  /** Models listed even before this process saw a call of theirs (the configured one). */
  readonly knownModels: readonly { readonly provider: string; readonly model: string }[];
  /** Receives counts that could not be recorded (the turn itself is never failed by them). */
  readonly logger: JsonLogger;
}

/**
 * Middleware that counts the tokens of every answered model call (complete and stream),
 * per provider and model, for the `/api/usage` monitoring endpoint and the shutdown log. The
 * counts are kept in a `TokenBudget` (one counter per model and figure), so with a shared
 * budget every server adds to, and reports, the same totals. The snapshot lists, of the
 * configured model and every model this process saw, those with calls.
 */
export class UsageMonitor implements ConversationMiddleware {
  readonly name = 'UsageMonitor';
  readonly #since = new Date();
  readonly #counters: TokenBudget;
  readonly #logger: JsonLogger;
  readonly #models = new Map<string, { readonly provider: string; readonly model: string }>();

  constructor({ counters, knownModels, logger }: UsageMonitorOptions) {
    this.#counters = counters;
    this.#logger = logger;
    for (const known of knownModels) this.#models.set(this.#keyOf(known.provider, known.model), { ...known });
  }

  #keyOf(provider: string, model: string): string {
    return `${provider}/${model}`;
  }

  async processResponse(response: LLMResponse, context: MiddlewareContext): Promise<undefined> {
    const key = this.#keyOf(context.provider, response.model);
    if (!this.#models.has(key)) this.#models.set(key, { provider: context.provider, model: response.model });
    // Unknown usage (a provider that reported none) adds no tokens.
    const usage = response.usage;
    const amounts = [1, usage?.promptTokens ?? 0, usage?.completionTokens ?? 0, usage?.totalTokens ?? 0];
    try {
      await Promise.all(
        fields.map((field, index) => this.#counters.increment({ key: `${key}:${field}`, tokens: amounts[index]! })),
      );
    } catch (error) {
      // A usage count is monitoring, not a reason to fail the answer.
      this.#logger.warn('usage not counted', { model: key, error });
    }
    return undefined;
  }

  /** The totals per model that has calls (read from the counters). */
  async snapshot(): Promise<UsageSnapshot> {
    const counted = await Promise.all(
      [...this.#models.entries()].map(async ([key, { provider, model }]) => {
        const [calls, promptTokens, completionTokens, totalTokens] = await Promise.all(
          fields.map(async (field) => (await this.#counters.get({ key: `${key}:${field}` })).used),
        );
        return {
          provider,
          model,
          calls: calls!,
          promptTokens: promptTokens!,
          completionTokens: completionTokens!,
          totalTokens: totalTokens!,
        };
      }),
    );
    const models = counted.filter((entry) => entry.calls > 0);
    return {
      since: this.#since.toISOString(),
      counters: this.#counters.provider,
      calls: models.reduce((sum, entry) => sum + entry.calls, 0),
      totalTokens: models.reduce((sum, entry) => sum + entry.totalTokens, 0),
      models,
    };
  }
}
