/** Inputs of {@link computeRetryDelay}. */
export interface ComputeRetryDelayOptions {
  /** The attempt that just failed, 1-based. */
  readonly attemptNumber: number;
  /** The error it failed with; a numeric `retryAfterMs` on it is honoured. */
  readonly error: unknown;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Uniform random number in [0, 1). Default `Math.random`. */
  readonly random?: () => number;
}

/**
 * Milliseconds to wait before retrying after a failed attempt.
 *
 * When the error carries a server hint (`retryAfterMs`, as on `RateLimitError`), the hint
 * wins, capped by `maxDelayMs`. Otherwise exponential backoff with full jitter: a uniform
 * random wait in `[0, min(maxDelayMs, baseDelayMs * 2^(attemptNumber - 1)))`.
 */
export function computeRetryDelay({
  attemptNumber,
  error,
  baseDelayMs,
  maxDelayMs,
  random = Math.random,
}: ComputeRetryDelayOptions): number {
  const hint = retryAfterHint(error);
  if (hint !== undefined) return Math.min(hint, maxDelayMs);
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attemptNumber - 1));
  const fraction = Math.min(Math.max(random(), 0), 1);
  return Math.floor(fraction * ceiling);
}

function retryAfterHint(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const value = (error as { retryAfterMs?: unknown }).retryAfterMs;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}
