import { DkError } from './dk-error.js';
import type { DkErrorFields } from './dk-error.js';

/** A node or conversation given to a store is malformed; nothing was written. */
export class InvalidNodeError extends DkError {
  static override readonly errorName: string = 'InvalidNodeError';

  /** The offending field, e.g. `role`, `parentId`, `metadata`. */
  readonly field: string;
  /** What is wrong with it and how to fix it. */
  readonly reason: string;

  constructor({ field, reason, cause }: { readonly field: string; readonly reason: string; readonly cause?: unknown }) {
    super({ message: `Invalid \`${field}\`: ${reason}`, code: 'INVALID_NODE', cause });
    this.field = field;
    this.reason = reason;
  }

  override get fields(): DkErrorFields {
    return { field: this.field, reason: this.reason };
  }
}
