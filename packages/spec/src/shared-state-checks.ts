import type { CacheEntryReference, CacheSetOptions } from './key-value-cache.js';
import type { RateLimitRule } from './rate-limiter.js';
import type { SharedStateFailurePolicy } from './shared-state-failure-policy.js';
import { SharedStateInputError } from './shared-state-input-error.js';
import type { TokenBudgetIncrementOptions } from './token-budget.js';

// Input checks shared by every implementation of the rate limiter, token budget and cache
// contracts, so that memory and Redis refuse exactly the same calls.

function refuse(component: string, field: string, reason: string): never {
  throw new SharedStateInputError({ component, field, reason });
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function checkKey(component: string, field: string, value: unknown): void {
  if (typeof value !== 'string' || value === '')
    refuse(component, field, `must be a non-empty string, got ${describe(value)}`);
}

function checkOptionsObject(component: string, options: unknown): void {
  if (typeof options !== 'object' || options === null) refuse(component, 'options', 'must be an options object');
}

/**
 * Checks a milliseconds value: a positive finite number (or `Infinity` when `infinite` is
 * allowed). Throws {@link SharedStateInputError} otherwise.
 */
export function checkMilliseconds(component: string, field: string, value: unknown, infinite = false): void {
  const valid = typeof value === 'number' && value > 0 && (Number.isFinite(value) || (infinite && value === Infinity));
  if (!valid) {
    refuse(
      component,
      field,
      `must be a positive number of milliseconds${infinite ? ' (or Infinity)' : ''}, got ${describe(value)}`,
    );
  }
}

/** Checks a `failurePolicy` setting and returns it (default `failOpen`). */
export function checkFailurePolicy(component: string, value: unknown): SharedStateFailurePolicy {
  if (value === undefined) return 'failOpen';
  if (value !== 'failOpen' && value !== 'failClosed') {
    refuse(component, 'failurePolicy', `must be 'failOpen' or 'failClosed', got ${describe(value)}`);
  }
  return value;
}

/** Checks the options of a `RateLimiter.check` / `peek` call. */
export function checkRateLimitRule(component: string, options: RateLimitRule): void {
  checkOptionsObject(component, options);
  checkKey(component, 'key', options.key);
  if (!Number.isInteger(options.limit) || options.limit < 1) {
    refuse(component, 'limit', `must be a positive integer, got ${describe(options.limit)}`);
  }
  checkMilliseconds(component, 'windowMs', options.windowMs);
}

/** Checks the options of a `TokenBudget.increment` call. */
export function checkTokenBudgetIncrement(component: string, options: TokenBudgetIncrementOptions): void {
  checkOptionsObject(component, options);
  checkKey(component, 'key', options.key);
  if (!Number.isSafeInteger(options.tokens) || options.tokens < 0) {
    refuse(component, 'tokens', `must be a non-negative integer, got ${describe(options.tokens)}`);
  }
  if (options.windowMs !== undefined) checkMilliseconds(component, 'windowMs', options.windowMs);
}

/** Checks a `key` option (`TokenBudget.get`, `reset`, `RateLimiter.reset`): a non-empty string, or absent when `optional`. */
export function checkStateKey(
  component: string,
  options: { readonly key?: string } | undefined,
  optional: boolean,
): void {
  if (options === undefined && optional) return;
  checkOptionsObject(component, options);
  if (options!.key === undefined && optional) return;
  checkKey(component, 'key', options!.key);
}

/** Checks a cache entry reference (`get`, `delete`), and `group` alone for `invalidate` (`key` = false). */
export function checkCacheReference(component: string, options: Partial<CacheEntryReference>, key = true): void {
  checkOptionsObject(component, options);
  if (key) checkKey(component, 'key', options.key);
  if (options.group !== undefined || !key) checkKey(component, 'group', options.group);
}

/** Checks the options of a `KeyValueCache.set` call; the value must survive `JSON.stringify`. Returns its JSON. */
export function checkCacheSet(component: string, options: CacheSetOptions): string {
  checkCacheReference(component, options);
  if (options.ttlMs !== undefined) checkMilliseconds(component, 'ttlMs', options.ttlMs, true);
  if (options.version !== undefined) {
    if (options.group === undefined) refuse(component, 'version', 'applies only to an entry with a `group`');
    if (!Number.isSafeInteger(options.version) || options.version < 0) {
      refuse(
        component,
        'version',
        `must be a non-negative integer (a version \`get\` returned), got ${describe(options.version)}`,
      );
    }
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(options.value);
  } catch (error) {
    refuse(component, 'value', `must be JSON-serialisable (${error instanceof Error ? error.message : String(error)})`);
  }
  if (json === undefined) refuse(component, 'value', `must be JSON-serialisable, got ${typeof options.value}`);
  return json;
}
