import { DkError } from './dk-error.js';
import type { DkErrorFields } from './dk-error.js';

/**
 * A list, count, search or bulk-delete filter is malformed, or a bulk delete was given no
 * condition at all.
 */
export class InvalidFilterError extends DkError {
  static override readonly errorName: string = 'InvalidFilterError';

  /** The offending option, e.g. `metadata.tier`, `limit`, `cursor`, or `filter` when empty. */
  readonly field: string;
  /** What is wrong with it and how to fix it. */
  readonly reason: string;

  constructor({ field, reason, cause }: { readonly field: string; readonly reason: string; readonly cause?: unknown }) {
    super({ message: `Invalid \`${field}\`: ${reason}`, code: 'INVALID_FILTER', cause });
    this.field = field;
    this.reason = reason;
  }

  override get fields(): DkErrorFields {
    return { field: this.field, reason: this.reason };
  }
}
