import { checkOptions } from '@dk/spec';
import { ConversationInputError } from '../conversation-input-error.js';
import type { ConversationMiddleware, MiddlewareContext } from '../conversation-middleware.js';
import { RateLimitExceededError } from '../rate-limit-exceeded-error.js';

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
  /** Clock in milliseconds. Default `Date.now`. */
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

/**
 * Sliding-window rate limit per key (conversation, user, client…), in process memory.
 * A call over the limit fails with `RateLimitExceededError` (with `retryAfterMs`) before
 * the model is called. Each model call counts, retries included. Records
 * `rateLimit: { count, limit, remaining }` on the assistant node.
 */
export class RateLimitMiddleware implements ConversationMiddleware {
  readonly name = 'RateLimitMiddleware';
  readonly #maxRequests: number;
  readonly #windowMs: number;
  readonly #keyFn: (context: MiddlewareContext) => string;
  readonly #now: () => number;
  /** Call times per key, oldest first. */
  readonly #calls = new Map<string, number[]>();

  constructor(options: RateLimitMiddlewareOptions) {
    checkOptions('RateLimitMiddleware', options, ['maxRequests', 'windowMs', 'keyFn', 'metadataKey', 'now']);
    const { maxRequests, windowMs = 60_000, keyFn, metadataKey, now = Date.now } = options;
    if (!Number.isInteger(maxRequests) || maxRequests < 1)
      throw new ConversationInputError({ field: 'maxRequests', reason: 'must be a positive integer' });
    if (!(windowMs > 0))
      throw new ConversationInputError({ field: 'windowMs', reason: 'must be a positive number of milliseconds' });
    this.#maxRequests = maxRequests;
    this.#windowMs = windowMs;
    this.#now = now;
    this.#keyFn =
      keyFn ??
      ((context) => {
        const value = metadataKey === undefined ? undefined : context.metadata[metadataKey];
        return typeof value === 'string' || typeof value === 'number' ? String(value) : context.conversationId;
      });
  }

  #window(key: string, now: number): number[] {
    const calls = this.#calls.get(key) ?? [];
    let expired = 0;
    while (expired < calls.length && calls[expired]! <= now - this.#windowMs) expired += 1;
    if (expired > 0) calls.splice(0, expired);
    if (calls.length === 0) this.#calls.delete(key);
    return calls;
  }

  /** The current standing of `key`. */
  getStatus(key: string): RateLimitStatus {
    const now = this.#now();
    const calls = this.#window(key, now);
    const retryAfterMs = calls.length < this.#maxRequests ? 0 : Math.max(0, calls[0]! + this.#windowMs - now);
    return {
      count: calls.length,
      limit: this.#maxRequests,
      remaining: Math.max(0, this.#maxRequests - calls.length),
      retryAfterMs,
    };
  }

  /** Forgets the calls of `key`, or of every key. */
  reset(key?: string): void {
    if (key === undefined) this.#calls.clear();
    else this.#calls.delete(key);
  }

  processRequest(_messages: unknown, context: MiddlewareContext): undefined {
    const key = this.#keyFn(context);
    const now = this.#now();
    const calls = this.#window(key, now);
    if (calls.length >= this.#maxRequests) {
      throw new RateLimitExceededError({
        key,
        limit: this.#maxRequests,
        windowMs: this.#windowMs,
        retryAfterMs: Math.max(0, calls[0]! + this.#windowMs - now),
      });
    }
    calls.push(now);
    this.#calls.set(key, calls);
    context.setNodeMetadata('rateLimit', {
      count: calls.length,
      limit: this.#maxRequests,
      remaining: this.#maxRequests - calls.length,
    });
    return undefined;
  }
}
