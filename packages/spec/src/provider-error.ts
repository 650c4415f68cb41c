import { DkError } from './dk-error.js';

/** Fields shared by every provider failure. */
export interface ProviderErrorOptions {
  /** What failed and how to fix it. Must never contain an API key. */
  readonly message: string;
  /** Provider id (`openai`, `anthropic`, `echo`, …). */
  readonly provider: string;
  /** HTTP status of the failed response, when there was one. */
  readonly status?: number;
  /** The vendor's error type (e.g. `rate_limit_error`). */
  readonly vendorType?: string;
  /** The vendor's error code (e.g. `context_length_exceeded`). */
  readonly vendorCode?: string;
  /** The vendor's request id, for support tickets. */
  readonly requestId?: string;
  /** Attempts made before giving up (1 = no retry). */
  readonly attempts?: number;
  readonly cause?: unknown;
}

/**
 * Base class of every failure of an LLM provider call. Branch on the subclass (`isInstance`)
 * or on `isRetryable`, never on the message.
 */
export class ProviderError extends DkError {
  static override readonly errorName: string = 'ProviderError';

  readonly provider: string;
  readonly status: number | undefined;
  readonly vendorType: string | undefined;
  readonly vendorCode: string | undefined;
  readonly requestId: string | undefined;
  readonly attempts: number | undefined;
  /** Whether the same request may succeed if sent again later. */
  readonly isRetryable: boolean;

  constructor(options: ProviderErrorOptions & { readonly code: string; readonly isRetryable: boolean }) {
    super({ message: options.message, code: options.code, cause: options.cause });
    this.provider = options.provider;
    this.status = options.status;
    this.vendorType = options.vendorType;
    this.vendorCode = options.vendorCode;
    this.requestId = options.requestId;
    this.attempts = options.attempts;
    this.isRetryable = options.isRetryable;
  }

  override get fields(): Readonly<Record<string, unknown>> {
    return {
      provider: this.provider,
      status: this.status,
      vendorType: this.vendorType,
      vendorCode: this.vendorCode,
      requestId: this.requestId,
      attempts: this.attempts,
      isRetryable: this.isRetryable,
    };
  }
}
