import { ProviderError } from '@dk/spec';

/**
 * A replaying `RecordReplayProvider` received a request its cassette does not hold (or the
 * cassette file does not exist). Record the cassette again (mode `record` or `auto`) against
 * the real provider, or fix the test so it sends the recorded request. Not retryable.
 */
export class CassetteMissError extends ProviderError {
  static override readonly errorName: string = 'CassetteMissError';

  /** Stable hash of the normalised request, as stored in the cassette. */
  readonly requestHash: string;
  /** Short human description of the request (method, model, messages, options). */
  readonly summary: string;
  /** The cassette file. */
  readonly cassettePath: string;

  constructor(options: {
    readonly provider: string;
    readonly requestHash: string;
    readonly summary: string;
    readonly cassettePath: string;
    readonly reason?: string;
  }) {
    super({
      provider: options.provider,
      code: 'CASSETTE_MISS',
      isRetryable: false,
      message: `Cassette ${options.cassettePath} ${options.reason ?? 'has no recording for'} request ${options.requestHash} (${options.summary}). Re-record it with mode 'record' or 'auto' against the real provider, or make the test send a recorded request.`,
    });
    this.requestHash = options.requestHash;
    this.summary = options.summary;
    this.cassettePath = options.cassettePath;
  }

  override get fields(): Readonly<Record<string, unknown>> {
    return { ...super.fields, requestHash: this.requestHash, summary: this.summary, cassettePath: this.cassettePath };
  }
}
