import type { SharedStateFailurePolicy } from './shared-state-failure-policy.js';

/** Options of {@link TokenBudget.increment}. */
export interface TokenBudgetIncrementOptions {
  /** What tokens are counted under (a conversation, a user…). Any non-empty string. */
  readonly key: string;
  /** Tokens to add. A non-negative integer. */
  readonly tokens: number;
  /**
   * A fixed window in milliseconds: the count of a key starts at its first increment and
   * goes back to 0 `windowMs` later (e.g. a daily budget). Only the increment that starts a
   * window sets its length. Default: no window (counted until `reset`).
   */
  readonly windowMs?: number;
}

/** Options of {@link TokenBudget.get}. */
export interface TokenBudgetGetOptions {
  /** The key to read. */
  readonly key: string;
}

/** Options of {@link TokenBudget.reset}. */
export interface TokenBudgetResetOptions {
  /** The key to forget. Default: every key of this budget. */
  readonly key?: string;
}

/** A key's count, as {@link TokenBudget.increment} and {@link TokenBudget.get} return it. */
export interface TokenBudgetUsage {
  /** Tokens counted under the key (in the current window, when it has one). */
  readonly used: number;
  /** Milliseconds until the key's window ends and the count goes back to 0; `undefined` without a window. */
  readonly resetMs: number | undefined;
  /**
   * True when the backend failed and the `failOpen` policy answered instead: `used` is 0 (not
   * known) and an increment was dropped.
   */
  readonly degraded: boolean;
}

/**
 * Token counters per key whose state may be shared by several processes (memory for one
 * process, Redis for many). Increments are atomic: concurrent increments from any number of
 * processes are all counted. The budget only counts; the caller decides what a limit means
 * (e.g. `TokenBudgetMiddleware` warns or refuses).
 *
 * Failures of the backend follow {@link TokenBudget.failurePolicy}: `failClosed` rejects with
 * `SharedStateUnavailableError`, `failOpen` resolves `{ used: 0, degraded: true }`.
 */
export interface TokenBudget {
  /** Version of this contract the budget implements. */
  readonly specificationVersion: 'v1';
  /** Short provider name for logs and health checks: `memory`, `redis`. */
  readonly provider: string;
  /** What happens when the backend fails; see {@link SharedStateFailurePolicy}. */
  readonly failurePolicy: SharedStateFailurePolicy;
  /** Adds `tokens` to the count of `key` atomically and returns the count after. */
  increment(options: TokenBudgetIncrementOptions): Promise<TokenBudgetUsage>;
  /** The count of `key` (0 when nothing was counted). */
  get(options: TokenBudgetGetOptions): Promise<TokenBudgetUsage>;
  /** Forgets the count of one key, or of every key of this budget. */
  reset(options?: TokenBudgetResetOptions): Promise<void>;
}
