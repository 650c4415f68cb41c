import { DkError } from '@dk/spec';
import type { DkErrorFields } from '@dk/spec';

/**
 * `ValidationMiddleware`'s judge rejected a response. When `requestsTurnRetry` is true the
 * manager repeats the model call (bounded by the middleware's `maxRetries`) instead of
 * failing the turn.
 */
export class ResponseValidationError extends DkError {
  static override readonly errorName: string = 'ResponseValidationError';

  /** The judge's reason, or why its answer could not be read. */
  readonly reason: string;
  /** Which attempt of the turn failed (1 = first call). */
  readonly attempt: number;
  /** True when the manager should retry the turn rather than fail it. */
  readonly requestsTurnRetry: boolean;

  constructor({
    reason,
    attempt,
    requestsTurnRetry,
    cause,
  }: {
    readonly reason: string;
    readonly attempt: number;
    readonly requestsTurnRetry: boolean;
    readonly cause?: unknown;
  }) {
    super({
      message: `The response failed validation on attempt ${attempt}: ${reason}. Adjust the prompt, enable \`autoRetry\`, or use \`onInvalid: 'annotate'\` to keep invalid responses.`,
      code: 'RESPONSE_VALIDATION_FAILED',
      cause,
    });
    this.reason = reason;
    this.attempt = attempt;
    this.requestsTurnRetry = requestsTurnRetry;
  }

  override get fields(): DkErrorFields {
    return { reason: this.reason, attempt: this.attempt, requestsTurnRetry: this.requestsTurnRetry };
  }
}
