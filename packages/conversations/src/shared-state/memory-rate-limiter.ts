import { checkFailurePolicy, checkRateLimitRule, checkStateKey } from '@dk/spec';
import { checkOptionValues } from '../check-option-values.js';
import type {
  RateLimitCheckOptions,
  RateLimitDecision,
  RateLimiter,
  RateLimitPeekOptions,
  RateLimitResetOptions,
  SharedStateFailurePolicy,
} from '@dk/spec';

/** Settings of a {@link MemoryRateLimiter}. */
export interface MemoryRateLimiterSettings {
  /** Clock in milliseconds. Default `Date.now`. */
  readonly now?: () => number;
  /** Reported as `failurePolicy`; memory never fails, so it changes nothing. Default `failOpen`. */
  readonly failurePolicy?: SharedStateFailurePolicy;
}

interface Window {
  /** Times of the admitted calls, oldest first. */
  readonly calls: number[];
  windowMs: number;
}

/** Keys kept before a sweep drops the windows that emptied (grows with the live key count). */
const initialSweepSize = 1024;

/**
 * A {@link RateLimiter} in process memory: a sliding log of admitted call times per key.
 * One process only — behind several app servers every server counts on its own; use
 * `@dk/redis`' `RedisRateLimiter` there. Windows that emptied are dropped as keys come and go.
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly specificationVersion = 'v1';
  readonly provider = 'memory';
  readonly failurePolicy: SharedStateFailurePolicy;
  readonly #now: () => number;
  readonly #windows = new Map<string, Window>();
  #sweepAt = initialSweepSize;

  constructor(settings: MemoryRateLimiterSettings = {}) {
    checkOptionValues('MemoryRateLimiter', settings, { now: 'function', failurePolicy: 'any' });
    this.failurePolicy = checkFailurePolicy('MemoryRateLimiter', settings.failurePolicy);
    this.#now = settings.now ?? Date.now;
  }

  /** The live calls of `key` at `now` (expired ones dropped), or an empty list. */
  #calls(key: string, windowMs: number, now: number): number[] {
    const window = this.#windows.get(key);
    if (window === undefined) return [];
    window.windowMs = windowMs;
    const { calls } = window;
    let expired = 0;
    while (expired < calls.length && calls[expired]! <= now - windowMs) expired += 1;
    if (expired > 0) calls.splice(0, expired);
    if (calls.length === 0) this.#windows.delete(key);
    return calls;
  }

  #decide(calls: readonly number[], options: RateLimitPeekOptions, now: number, allowed: boolean): RateLimitDecision {
    const { limit, windowMs } = options;
    const count = calls.length;
    const retryAfterMs = count < limit ? 0 : Math.max(0, calls[count - limit]! + windowMs - now);
    const resetMs = count === 0 ? 0 : Math.max(0, calls[count - 1]! + windowMs - now);
    return { allowed, count, limit, remaining: Math.max(0, limit - count), retryAfterMs, resetMs, degraded: false };
  }

  #sweep(now: number): void {
    for (const [key, window] of this.#windows) this.#calls(key, window.windowMs, now);
    this.#sweepAt = Math.max(initialSweepSize, this.#windows.size * 2);
  }

  /** See {@link RateLimiter.check}. */
  check(options: RateLimitCheckOptions): Promise<RateLimitDecision> {
    checkRateLimitRule('MemoryRateLimiter.check', options);
    const now = this.#now();
    const calls = this.#calls(options.key, options.windowMs, now);
    if (calls.length >= options.limit) return Promise.resolve(this.#decide(calls, options, now, false));
    calls.push(now);
    if (calls.length === 1) {
      if (this.#windows.size >= this.#sweepAt) this.#sweep(now);
      this.#windows.set(options.key, { calls, windowMs: options.windowMs });
    }
    return Promise.resolve(this.#decide(calls, options, now, true));
  }

  /** See {@link RateLimiter.peek}. */
  peek(options: RateLimitPeekOptions): Promise<RateLimitDecision> {
    checkRateLimitRule('MemoryRateLimiter.peek', options);
    const now = this.#now();
    const calls = this.#calls(options.key, options.windowMs, now);
    return Promise.resolve(this.#decide(calls, options, now, calls.length < options.limit));
  }

  /** See {@link RateLimiter.reset}. */
  reset(options?: RateLimitResetOptions): Promise<void> {
    checkStateKey('MemoryRateLimiter.reset', options, true);
    if (options?.key === undefined) this.#windows.clear();
    else this.#windows.delete(options.key);
    return Promise.resolve();
  }
}
