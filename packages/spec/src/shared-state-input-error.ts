import { DkError } from './dk-error.js';
import type { DkErrorFields } from './dk-error.js';

/** A rate limiter, token budget or cache was given a setting or call option it cannot use. */
export class SharedStateInputError extends DkError {
  static override readonly errorName: string = 'SharedStateInputError';

  /** What received the value, e.g. `RedisRateLimiter` or `MemoryKeyValueCache.set`. */
  readonly component: string;
  /** The option that is wrong, e.g. `limit`. */
  readonly field: string;
  /** Why the value was refused. */
  readonly reason: string;

  constructor({
    component,
    field,
    reason,
  }: {
    readonly component: string;
    readonly field: string;
    readonly reason: string;
  }) {
    super({ message: `${component}: invalid \`${field}\`: ${reason}.`, code: 'SHARED_STATE_INVALID_INPUT' });
    this.component = component;
    this.field = field;
    this.reason = reason;
  }

  override get fields(): DkErrorFields {
    return { component: this.component, field: this.field, reason: this.reason };
  }
}
