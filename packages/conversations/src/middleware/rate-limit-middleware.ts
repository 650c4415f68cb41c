import { checkOptionValues } from '../check-option-values.js';
import type { RateLimitDecision, RateLimiter } from '@dk/spec';
import { ConversationInputError } from '../conversation-input-error.js';
import type { ConversationMiddleware, MiddlewareContext } from '../conversation-middleware.js';
import { RateLimitExceededError } from '../rate-limit-exceeded-error.js';
import { MemoryRateLimiter } from '../shared-state/memory-rate-limiter.js';

/** Settings of {@link RateLimitMiddleware}. */
export interface RateLimitMiddlewareOptions {
  /** Calls allowed per key within `windowMs`. */
  readonly maxRequests: number;
  /** Sliding-window length in milliseconds. Default 60 000. */
  readonly windowMs?: number;
  /**
   * The key calls are counted under. Default: the conversation metadata value named by
   * `metadataKey` when present, else the conversation id.
   */
  readonly keyFn?: (context: MiddlewareContext) => string;
  /** Conversation metadata field used as the key (e.g. `userId`). Default: none (per conversation). */
  readonly metadataKey?: string;
  /**
   * Where the calls are counted. Default: a `MemoryRateLimiter` (this process only). Give
   * every app server the same shared limiter (e.g. `@dk/redis`' `RedisRateLimiter`) to hold
   * the limit across servers; its `failurePolicy` decides what happens when it is down.
   */
  readonly limiter?: RateLimiter;
  /** Clock in milliseconds of the default in-memory limiter. Default `Date.now`. */
  readonly now?: () => number;
}

/** A key's current standing. */
export interface RateLimitStatus {
  /** Calls counted in the current window. */
  readonly count: number;
  /** Calls allowed per window. */
  readonly limit: number;
  /** Calls left in the window. */
  readonly remaining: number;
  /** Milliseconds until a call is allowed again (0 when one is allowed now). */
  readonly retryAfterMs: number;
}

function statusOf(decision: RateLimitDecision): RateLimitStatus {
  return {
    count: decision.count,
    limit: decision.limit,
    remaining: decision.remaining,
    retryAfterMs: decision.retryAfterMs,
  };
}

/**
 * Sliding-window rate limit per key (conversation, user, client…), counted by a
 * `RateLimiter` (in process memory by default, or shared). A call over the limit fails with
 * `RateLimitExceededError` (with `retryAfterMs`) before the model is called. Each model call
 * counts, retries included. Records `rateLimit: { count, limit, remaining }` on the assistant
 * node (with `degraded: true` when the limiter was down and its `failOpen` policy admitted the
 * call uncounted). A limiter down under `failClosed` fails the turn with its
 * `SharedStateUnavailableError`.
 */
export class RateLimitMiddleware implements ConversationMiddleware {
  readonly name = 'RateLimitMiddleware';
  readonly #maxRequests: number;
  readonly #windowMs: number;
  readonly #keyFn: (context: MiddlewareContext) => string;
  readonly #limiter: RateLimiter;

  constructor(options: RateLimitMiddlewareOptions) {
    checkOptionValues(
      'RateLimitMiddleware',
      options,
      {
        maxRequests: 'number',
        windowMs: 'number',
        keyFn: 'function',
        metadataKey: 'string',
        limiter: { methods: ['check'], described: 'a RateLimiter' },
        now: 'function',
      },
      'new RateLimitMiddleware({ maxRequests: 10, windowMs: 60_000 })',
    );
    const { maxRequests, windowMs = 60_000, keyFn, metadataKey, limiter, now } = options;
    if (!Number.isInteger(maxRequests) || maxRequests < 1)
      throw new ConversationInputError({ field: 'maxRequests', reason: 'must be a positive integer' });
    if (!(windowMs > 0))
      throw new ConversationInputError({ field: 'windowMs', reason: 'must be a positive number of milliseconds' });
    if (limiter !== undefined && typeof limiter.check !== 'function')
      throw new ConversationInputError({ field: 'limiter', reason: 'must be a RateLimiter (with `check`)' });
    if (limiter !== undefined && now !== undefined)
      throw new ConversationInputError({
        field: 'now',
        reason: 'applies only to the default in-memory limiter',
        hint: 'Give the clock to the limiter you pass instead.',
      });
    this.#maxRequests = maxRequests;
    this.#windowMs = windowMs;
    this.#limiter = limiter ?? new MemoryRateLimiter(now === undefined ? {} : { now });
    this.#keyFn =
      keyFn ??
      ((context) => {
        const value = metadataKey === undefined ? undefined : context.metadata[metadataKey];
        return typeof value === 'string' || typeof value === 'number' ? String(value) : context.conversationId;
      });
  }

  /** The current standing of `key`. */
  async getStatus(key: string): Promise<RateLimitStatus> {
    return statusOf(await this.#limiter.peek({ key, limit: this.#maxRequests, windowMs: this.#windowMs }));
  }

  /** Forgets the calls of `key`, or of every key of the limiter. */
  async reset(key?: string): Promise<void> {
    await this.#limiter.reset(key === undefined ? {} : { key });
  }

  async processRequest(_messages: unknown, context: MiddlewareContext): Promise<undefined> {
    const key = this.#keyFn(context);
    const decision = await this.#limiter.check({ key, limit: this.#maxRequests, windowMs: this.#windowMs });
    if (!decision.allowed) {
      throw new RateLimitExceededError({
        key,
        limit: this.#maxRequests,
        windowMs: this.#windowMs,
        retryAfterMs: decision.retryAfterMs,
      });
    }
    context.setNodeMetadata('rateLimit', {
      count: decision.count,
      limit: this.#maxRequests,
      remaining: decision.remaining,
      ...(decision.degraded ? { degraded: true } : {}),
    });
    return undefined;
  }
}
