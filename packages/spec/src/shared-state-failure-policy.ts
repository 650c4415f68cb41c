/**
 * What a shared-state component — a {@link RateLimiter}, {@link TokenBudget} or
 * {@link KeyValueCache} — does when its backend (Redis, …) fails or does not answer in time.
 * Chosen per component instance (`failurePolicy` setting); every backend failure is a
 * `SharedStateUnavailableError`, never a crash.
 *
 * - `failOpen` (the default of dk's implementations): the operation resolves in a documented,
 *   degraded way, marked `degraded: true` — a limiter admits the call without counting it, a
 *   budget reads 0 and drops the increment, a cache misses and skips the write — and the error
 *   goes to the component's `onError` hook. Availability first: an outage of the shared state
 *   never stops the application.
 * - `failClosed`: the operation rejects with the `SharedStateUnavailableError`. Strictness
 *   first: no call is admitted, and no budget or cache is trusted, that the backend did not
 *   confirm.
 *
 * In-memory implementations never fail this way; they carry the field so that code can be
 * written once for every backend.
 */
export type SharedStateFailurePolicy = 'failOpen' | 'failClosed';

/** Which kind of shared-state component a `SharedStateUnavailableError` comes from. */
export type SharedStateComponent = 'rateLimiter' | 'tokenBudget' | 'cache';
