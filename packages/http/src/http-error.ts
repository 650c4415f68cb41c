import { DkError } from '@dk/spec';
import type { DkErrorFields } from '@dk/spec';

/** A request the handler refuses, with the HTTP status to answer (4xx/503). */
export class HttpError extends DkError {
  static override readonly errorName: string = 'HttpError';

  /** HTTP status code. */
  readonly status: number;
  /** Seconds the client should wait before retrying (429 and 503). */
  readonly retryAfterSeconds: number | undefined;

  constructor({
    status,
    code,
    message,
    retryAfterSeconds,
  }: {
    readonly status: number;
    readonly code: string;
    readonly message: string;
    readonly retryAfterSeconds?: number;
  }) {
    super({ message, code });
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  override get fields(): DkErrorFields {
    return {
      status: this.status,
      ...(this.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: this.retryAfterSeconds }),
    };
  }
}
