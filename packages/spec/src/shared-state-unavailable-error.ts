import { DkError } from './dk-error.js';
import type { DkErrorFields } from './dk-error.js';
import type { SharedStateComponent, SharedStateFailurePolicy } from './shared-state-failure-policy.js';

const componentLabels: Record<SharedStateComponent, string> = {
  rateLimiter: 'rate limiter',
  tokenBudget: 'token budget',
  cache: 'cache',
};

/**
 * The backend of a rate limiter, token budget or cache failed or timed out (connection
 * refused or lost, cluster down, a command error). Under the `failClosed` policy the
 * operation rejects with it; under `failOpen` it goes to the component's `onError` hook and
 * the operation resolves degraded. The driver error is the `cause`.
 */
export class SharedStateUnavailableError extends DkError {
  static override readonly errorName: string = 'SharedStateUnavailableError';

  /** The component that failed. */
  readonly component: SharedStateComponent;
  /** Its provider name, e.g. `redis`. */
  readonly provider: string;
  /** The operation that failed, e.g. `check`, `increment`, `get`. */
  readonly operation: string;
  /** The policy that applied: what the caller saw (a rejection, or a degraded result). */
  readonly policy: SharedStateFailurePolicy;
  /** True when the operation did not answer within its deadline (the backend may still apply it). */
  readonly timedOut: boolean;

  constructor({
    component,
    provider,
    operation,
    policy,
    detail,
    timedOut = false,
    cause,
  }: {
    readonly component: SharedStateComponent;
    readonly provider: string;
    readonly operation: string;
    readonly policy: SharedStateFailurePolicy;
    /** Short description of the failure (never a connection string or password). */
    readonly detail: string;
    readonly timedOut?: boolean;
    readonly cause?: unknown;
  }) {
    const outcome =
      policy === 'failClosed'
        ? 'the operation was refused (policy failClosed)'
        : 'the operation went on degraded (policy failOpen)';
    super({
      message: `The ${provider} ${componentLabels[component]} failed during \`${operation}\`: ${detail}; ${outcome}. Check that ${provider} is reachable and healthy.`,
      code: 'SHARED_STATE_UNAVAILABLE',
      cause,
    });
    this.component = component;
    this.provider = provider;
    this.operation = operation;
    this.policy = policy;
    this.timedOut = timedOut;
  }

  override get fields(): DkErrorFields {
    return {
      component: this.component,
      provider: this.provider,
      operation: this.operation,
      policy: this.policy,
      timedOut: this.timedOut,
    };
  }
}
