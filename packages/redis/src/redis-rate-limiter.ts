import { checkOptions, checkRateLimitRule, checkStateKey } from '@dk/spec';
import type {
  RateLimitCheckOptions,
  RateLimitDecision,
  RateLimiter,
  RateLimitPeekOptions,
  RateLimitResetOptions,
  RateLimitRule,
} from '@dk/spec';
import { randomBytes } from 'node:crypto';
import { taggedKey } from './redis-keys.js';
import { rateLimitScript, runScript } from './redis-scripts.js';
import { RedisStateComponent, stateSettingNames } from './redis-state-component.js';
import type { RedisStateSettings } from './redis-state-component.js';

/** Settings of a {@link RedisRateLimiter}. */
export interface RedisRateLimiterSettings extends RedisStateSettings {
  /**
   * Clock in milliseconds. Default: the Redis server's clock, so every app server judges
   * windows by the same time whatever its own clock says.
   */
  readonly now?: () => number;
}

const name = 'RedisRateLimiter';

/**
 * A {@link RateLimiter} in Redis, shared by every process that uses the same server (or
 * cluster) and prefix: a sorted set of admitted call times per key (key
 * `<prefix>{<key>}`, one cluster slot), checked and recorded by one Lua script, so concurrent
 * checks from any number of servers admit exactly the limit. Time is the Redis server's.
 * Redis failing: `failOpen` admits uncounted (`degraded: true`), `failClosed` rejects with
 * `SharedStateUnavailableError`.
 */
export class RedisRateLimiter extends RedisStateComponent implements RateLimiter {
  readonly #now: (() => number) | undefined;
  /** Makes the members of the sorted sets unique across processes. */
  readonly #memberPrefix = randomBytes(8).toString('base64url');
  #sequence = 0;

  constructor(settings: RedisRateLimiterSettings) {
    checkOptions(name, settings, [...stateSettingNames, 'now']);
    super(name, 'rateLimiter', settings, 'dk:ratelimit:');
    this.#now = settings.now;
  }

  async #evaluate(operation: string, rule: RateLimitRule, record: boolean): Promise<RateLimitDecision> {
    const { key, limit, windowMs } = rule;
    const member = `${this.#memberPrefix}:${(this.#sequence += 1)}`;
    const now = this.#now === undefined ? '' : this.#now();
    return this.run<RateLimitDecision>(
      operation,
      async () => {
        const reply = (await runScript(
          this.client,
          rateLimitScript,
          [taggedKey(this.prefix, key)],
          [limit, windowMs, now, member, record ? '1' : '0'],
        )) as [number, number, number, number];
        const [allowed, count, retryAfterMs, resetMs] = reply;
        return {
          allowed: allowed === 1,
          count,
          limit,
          remaining: Math.max(0, limit - count),
          retryAfterMs,
          resetMs,
          degraded: false,
        };
      },
      () => ({ allowed: true, count: 0, limit, remaining: limit, retryAfterMs: 0, resetMs: 0, degraded: true }),
    );
  }

  /** See {@link RateLimiter.check}. */
  check(options: RateLimitCheckOptions): Promise<RateLimitDecision> {
    checkRateLimitRule(`${name}.check`, options);
    return this.#evaluate('check', options, true);
  }

  /** See {@link RateLimiter.peek}. */
  peek(options: RateLimitPeekOptions): Promise<RateLimitDecision> {
    checkRateLimitRule(`${name}.peek`, options);
    return this.#evaluate('peek', options, false);
  }

  /** See {@link RateLimiter.reset}; without a key, removes every key under the prefix (SCAN on every master). */
  reset(options?: RateLimitResetOptions): Promise<void> {
    checkStateKey(`${name}.reset`, options, true);
    return this.resetKeys(options?.key);
  }
}

/** Creates a {@link RedisRateLimiter}. */
export function createRedisRateLimiter(settings: RedisRateLimiterSettings): RedisRateLimiter {
  return new RedisRateLimiter(settings);
}
