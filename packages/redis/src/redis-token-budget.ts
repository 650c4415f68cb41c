import { checkOptions, checkStateKey, checkTokenBudgetIncrement } from '@dk/spec';
import type {
  TokenBudget,
  TokenBudgetGetOptions,
  TokenBudgetIncrementOptions,
  TokenBudgetResetOptions,
  TokenBudgetUsage,
} from '@dk/spec';
import { taggedKey } from './redis-keys.js';
import { budgetGetScript, budgetIncrementScript, runScript } from './redis-scripts.js';
import { RedisStateComponent, stateSettingNames } from './redis-state-component.js';
import type { RedisStateSettings } from './redis-state-component.js';

/** Settings of a {@link RedisTokenBudget}. */
export type RedisTokenBudgetSettings = RedisStateSettings;

const name = 'RedisTokenBudget';

function usage(used: number | string | null, pttl: number): TokenBudgetUsage {
  return { used: Number(used ?? 0), resetMs: pttl >= 0 ? pttl : undefined, degraded: false };
}

const degraded = (): TokenBudgetUsage => ({ used: 0, resetMs: undefined, degraded: true });

/**
 * A {@link TokenBudget} in Redis, shared by every process that uses the same server (or
 * cluster) and prefix: a counter per key (`<prefix>{<key>}`) raised with INCRBY in a Lua
 * script that also starts the key's window (PEXPIRE) on its first increment. Redis failing:
 * `failOpen` answers `{ used: 0, degraded: true }` and drops the increment, `failClosed`
 * rejects with `SharedStateUnavailableError`.
 */
export class RedisTokenBudget extends RedisStateComponent implements TokenBudget {
  constructor(settings: RedisTokenBudgetSettings) {
    checkOptions(name, settings, stateSettingNames);
    super(name, 'tokenBudget', settings, 'dk:tokens:');
  }

  /** See {@link TokenBudget.increment}. */
  increment(options: TokenBudgetIncrementOptions): Promise<TokenBudgetUsage> {
    checkTokenBudgetIncrement(`${name}.increment`, options);
    const { key, tokens, windowMs } = options;
    return this.run(
      'increment',
      async () => {
        const [used, pttl] = (await runScript(
          this.client,
          budgetIncrementScript,
          [taggedKey(this.prefix, key)],
          [tokens, windowMs === undefined ? '' : Math.ceil(windowMs)],
        )) as [number, number];
        return usage(used, pttl);
      },
      degraded,
    );
  }

  /** See {@link TokenBudget.get}. */
  get(options: TokenBudgetGetOptions): Promise<TokenBudgetUsage> {
    checkStateKey(`${name}.get`, options, false);
    return this.run(
      'get',
      async () => {
        const [used, pttl] = (await runScript(
          this.client,
          budgetGetScript,
          [taggedKey(this.prefix, options.key)],
          [],
        )) as [string | null, number];
        return usage(used, pttl);
      },
      degraded,
    );
  }

  /** See {@link TokenBudget.reset}; without a key, removes every key under the prefix (SCAN on every master). */
  reset(options?: TokenBudgetResetOptions): Promise<void> {
    checkStateKey(`${name}.reset`, options, true);
    return this.resetKeys(options?.key);
  }
}

/** Creates a {@link RedisTokenBudget}. */
export function createRedisTokenBudget(settings: RedisTokenBudgetSettings): RedisTokenBudget {
  return new RedisTokenBudget(settings);
}
