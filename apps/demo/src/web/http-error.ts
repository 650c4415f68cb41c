import { DkError } from '@dk/spec';
import type { DkErrorFields } from '@dk/spec';

/** A request the demo server refuses, with the HTTP status to answer. */
export class HttpError extends DkError {
  static override readonly errorName: string = 'HttpError';

  /** HTTP status code (4xx). */
  readonly status: number;
  /** Seconds the client should wait before retrying (429 only). */
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
