import { checkFailurePolicy, checkStateKey, checkTokenBudgetIncrement } from '@dk/spec';
import { checkOptionValues } from '../check-option-values.js';
import type {
  SharedStateFailurePolicy,
  TokenBudget,
  TokenBudgetGetOptions,
  TokenBudgetIncrementOptions,
  TokenBudgetResetOptions,
  TokenBudgetUsage,
} from '@dk/spec';

/** Settings of a {@link MemoryTokenBudget}. */
export interface MemoryTokenBudgetSettings {
  /** Clock in milliseconds (for windows). Default `Date.now`. */
  readonly now?: () => number;
  /** Reported as `failurePolicy`; memory never fails, so it changes nothing. Default `failOpen`. */
  readonly failurePolicy?: SharedStateFailurePolicy;
}

interface Count {
  used: number;
  /** When the window ends (ms); `undefined` without a window. */
  readonly endsAt: number | undefined;
}

/** Keys kept before a sweep drops the windows that ended (grows with the live key count). */
const initialSweepSize = 1024;

/**
 * A {@link TokenBudget} in process memory: a counter per key, with an optional fixed window.
 * One process only — behind several app servers every server counts on its own; use
 * `@dk/redis`' `RedisTokenBudget` there.
 */
export class MemoryTokenBudget implements TokenBudget {
  readonly specificationVersion = 'v1';
  readonly provider = 'memory';
  readonly failurePolicy: SharedStateFailurePolicy;
  readonly #now: () => number;
  readonly #counts = new Map<string, Count>();
  #sweepAt = initialSweepSize;

  constructor(settings: MemoryTokenBudgetSettings = {}) {
    checkOptionValues('MemoryTokenBudget', settings, { now: 'function', failurePolicy: 'any' });
    this.failurePolicy = checkFailurePolicy('MemoryTokenBudget', settings.failurePolicy);
    this.#now = settings.now ?? Date.now;
  }

  #live(key: string, now: number): Count | undefined {
    const count = this.#counts.get(key);
    if (count?.endsAt !== undefined && count.endsAt <= now) {
      this.#counts.delete(key);
      return undefined;
    }
    return count;
  }

  #usage(count: Count | undefined, now: number): TokenBudgetUsage {
    const resetMs = count?.endsAt === undefined ? undefined : count.endsAt - now;
    return { used: count?.used ?? 0, resetMs, degraded: false };
  }

  #sweep(now: number): void {
    for (const key of this.#counts.keys()) this.#live(key, now);
    this.#sweepAt = Math.max(initialSweepSize, this.#counts.size * 2);
  }

  /** See {@link TokenBudget.increment}. */
  increment(options: TokenBudgetIncrementOptions): Promise<TokenBudgetUsage> {
    checkTokenBudgetIncrement('MemoryTokenBudget.increment', options);
    const now = this.#now();
    let count = this.#live(options.key, now);
    if (count === undefined) {
      if (this.#counts.size >= this.#sweepAt) this.#sweep(now);
      count = { used: 0, endsAt: options.windowMs === undefined ? undefined : now + options.windowMs };
      this.#counts.set(options.key, count);
    }
    count.used += options.tokens;
    return Promise.resolve(this.#usage(count, now));
  }

  /** See {@link TokenBudget.get}. */
  get(options: TokenBudgetGetOptions): Promise<TokenBudgetUsage> {
    checkStateKey('MemoryTokenBudget.get', options, false);
    const now = this.#now();
    return Promise.resolve(this.#usage(this.#live(options.key, now), now));
  }

  /** See {@link TokenBudget.reset}. */
  reset(options?: TokenBudgetResetOptions): Promise<void> {
    checkStateKey('MemoryTokenBudget.reset', options, true);
    if (options?.key === undefined) this.#counts.clear();
    else this.#counts.delete(options.key);
    return Promise.resolve();
  }
}
