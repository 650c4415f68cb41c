import type { RateLimiter } from '@dk/spec';

/** The verdict of {@link SlidingWindowRateLimiter.take}. */
export interface RateVerdict {
  readonly allowed: boolean;
  /** Requests left in the current window. */
  readonly remaining: number;
  /** Milliseconds until a request is allowed again (0 when allowed). */
  readonly retryAfterMs: number;
  /** True when a shared limiter was down and its `failOpen` policy admitted the request uncounted. */
  readonly degraded?: boolean;
}

/** Something that decides whether a request of `key` may run now (e.g. a shared Redis limiter). */
export interface RequestRateLimiter {
  take(key: string): RateVerdict | Promise<RateVerdict>;
}

/**
 * A sliding-window limit per key (a user id or client address): at most `maxRequests` in
 * any `windowMs`. In memory, per process; idle keys are forgotten.
 */
export class SlidingWindowRateLimiter implements RequestRateLimiter {
  readonly #maxRequests: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #hits = new Map<string, number[]>();

  constructor({
    maxRequests,
    windowMs,
    now = Date.now,
  }: {
    readonly maxRequests: number;
    readonly windowMs: number;
    readonly now?: () => number;
  }) {
    this.#maxRequests = maxRequests;
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Counts one request of `key` if the limit allows it. */
  take(key: string): RateVerdict {
    const now = this.#now();
    const cutoff = now - this.#windowMs;
    const hits = (this.#hits.get(key) ?? []).filter((time) => time > cutoff);
    if (hits.length >= this.#maxRequests) {
      this.#hits.set(key, hits);
      return { allowed: false, remaining: 0, retryAfterMs: Math.max(1, (hits[0] ?? now) + this.#windowMs - now) };
    }
    hits.push(now);
    this.#hits.set(key, hits);
    if (this.#hits.size > 10_000)
      for (const [other, times] of this.#hits) if ((times.at(-1) ?? 0) <= cutoff) this.#hits.delete(other);
    return { allowed: true, remaining: this.#maxRequests - hits.length, retryAfterMs: 0 };
  }
}

/**
 * A per-caller request limit counted by a spec `RateLimiter` (e.g. `@dk/redis`' `RedisRateLimiter`
 * shared by every app server, so the limit holds across servers): at most `maxRequests` in any
 * `windowMs`. When the limiter's backend is down, its `failurePolicy` decides: `failOpen`
 * admits (verdict `degraded`), `failClosed` rejects with `SharedStateUnavailableError`, which
 * the handler answers with 503.
 */
export class SharedRequestRateLimiter implements RequestRateLimiter {
  readonly #limiter: RateLimiter;
  readonly #maxRequests: number;
  readonly #windowMs: number;

  constructor({
    limiter,
    maxRequests,
    windowMs,
  }: {
    readonly limiter: RateLimiter;
    readonly maxRequests: number;
    readonly windowMs: number;
  }) {
    this.#limiter = limiter;
    this.#maxRequests = maxRequests;
    this.#windowMs = windowMs;
  }

  /** Counts one request of `key` in the shared limiter if the limit allows it. */
  async take(key: string): Promise<RateVerdict> {
    const decision = await this.#limiter.check({ key, limit: this.#maxRequests, windowMs: this.#windowMs });
    return {
      allowed: decision.allowed,
      remaining: decision.remaining,
      retryAfterMs: decision.retryAfterMs,
      ...(decision.degraded ? { degraded: true } : {}),
    };
  }
}
