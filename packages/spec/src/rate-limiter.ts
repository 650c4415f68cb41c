import type { SharedStateFailurePolicy } from './shared-state-failure-policy.js';

/** The rule and key of one {@link RateLimiter} call. */
export interface RateLimitRule {
  /** What calls are counted under (a user, a client, a conversation…). Any non-empty string. */
  readonly key: string;
  /** Calls allowed per key within `windowMs`. A positive integer. */
  readonly limit: number;
  /** Sliding-window length in milliseconds. Positive. */
  readonly windowMs: number;
}

/** Options of {@link RateLimiter.check}. */
export type RateLimitCheckOptions = RateLimitRule;

/** Options of {@link RateLimiter.peek}. */
export type RateLimitPeekOptions = RateLimitRule;

/** Options of {@link RateLimiter.reset}. */
export interface RateLimitResetOptions {
  /** The key to forget. Default: every key of this limiter. */
  readonly key?: string;
}

/** The outcome of a {@link RateLimiter.check} (or the standing a {@link RateLimiter.peek} reads). */
export interface RateLimitDecision {
  /** Whether the call is admitted (for `peek`: whether a call would be admitted now). */
  readonly allowed: boolean;
  /** Calls counted in the window, this one included when it was admitted. */
  readonly count: number;
  /** The limit the decision was taken against. */
  readonly limit: number;
  /** Calls still allowed in the window. */
  readonly remaining: number;
  /** Milliseconds until a call would be admitted again; 0 when one is admitted now. */
  readonly retryAfterMs: number;
  /** Milliseconds until the window holds no counted call (the newest one leaves it); 0 when empty. */
  readonly resetMs: number;
  /**
   * True when the backend failed and the `failOpen` policy admitted the call without
   * counting it: `count` is 0, `remaining` is `limit`.
   */
  readonly degraded: boolean;
}

/**
 * A sliding-window rate limiter whose state may be shared by several processes (memory for
 * one process, Redis for many). A window holds the times of the admitted calls of a key; a
 * call is admitted when fewer than `limit` calls fall within the last `windowMs`, and then
 * counted. The check and the record are one atomic step: N concurrent checks from any number
 * of processes admit exactly `limit` of them. Refused calls are not counted.
 *
 * Failures of the backend follow {@link RateLimiter.failurePolicy}: `failClosed` rejects with
 * `SharedStateUnavailableError`, `failOpen` resolves `{ allowed: true, degraded: true }`.
 */
export interface RateLimiter {
  /** Version of this contract the limiter implements. */
  readonly specificationVersion: 'v1';
  /** Short provider name for logs and health checks: `memory`, `redis`. */
  readonly provider: string;
  /** What happens when the backend fails; see {@link SharedStateFailurePolicy}. */
  readonly failurePolicy: SharedStateFailurePolicy;
  /** Admits and counts one call under `key` if the window has room; atomic. */
  check(options: RateLimitCheckOptions): Promise<RateLimitDecision>;
  /** The standing of `key` without counting a call (`allowed`: whether a call would be admitted now). */
  peek(options: RateLimitPeekOptions): Promise<RateLimitDecision>;
  /** Forgets the calls of one key, or of every key of this limiter. */
  reset(options?: RateLimitResetOptions): Promise<void>;
}
