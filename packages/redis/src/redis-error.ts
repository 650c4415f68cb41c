import { SharedStateUnavailableError } from '@dk/spec';
import type { SharedStateComponent, SharedStateFailurePolicy } from '@dk/spec';

/** A driver error (or the reason of a timeout) described in a few words, credentials removed. */
export function describeRedisError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (
    message
      // A connection string someone put in a message must not leak its password.
      .replace(/(rediss?:\/\/)[^@\s/]*@/gi, '$1***@')
      .split('\n')[0]!
      .slice(0, 200) || 'unknown error'
  );
}

/** The `SharedStateUnavailableError` for a failed (or timed-out) Redis operation. */
export function toSharedStateError(
  error: unknown,
  context: {
    readonly component: SharedStateComponent;
    readonly operation: string;
    readonly policy: SharedStateFailurePolicy;
    readonly timedOut: boolean;
  },
): SharedStateUnavailableError {
  if (SharedStateUnavailableError.isInstance(error)) return error;
  return new SharedStateUnavailableError({
    ...context,
    provider: 'redis',
    detail: context.timedOut
      ? `no answer within the deadline (${describeRedisError(error)})`
      : describeRedisError(error),
    cause: error,
  });
}
