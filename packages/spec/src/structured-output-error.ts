import { ProviderError } from './provider-error.js';
import type { ProviderErrorOptions } from './provider-error.js';

/** One JSON Schema violation: where (JSON Pointer into the value) and what. */
export interface StructuredOutputIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * The model's answer to a JSON `responseFormat` was not valid JSON or did not match the
 * schema. Carries the raw text and every violation.
 */
export class StructuredOutputError extends ProviderError {
  static override readonly errorName: string = 'StructuredOutputError';

  /** The model's raw text. */
  readonly text: string;
  /** Every schema violation; empty when the text was not JSON at all. */
  readonly issues: readonly StructuredOutputIssue[];

  constructor(
    options: ProviderErrorOptions & { readonly text: string; readonly issues: readonly StructuredOutputIssue[] },
  ) {
    super({ ...options, code: 'PROVIDER_STRUCTURED_OUTPUT', isRetryable: false });
    this.text = options.text;
    this.issues = options.issues;
  }

  override get fields(): Readonly<Record<string, unknown>> {
    return { ...super.fields, issues: this.issues };
  }
}
