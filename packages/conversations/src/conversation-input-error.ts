import { DkError } from '@dk/spec';
import type { DkErrorFields } from '@dk/spec';

/** A `ConversationManager` method was called with arguments it cannot use. */
export class ConversationInputError extends DkError {
  static override readonly errorName: string = 'ConversationInputError';

  /** The option or argument that is wrong, e.g. `content` or `role`. */
  readonly field: string;
  /** Why the value was refused. */
  readonly reason: string;

  constructor({
    field,
    reason,
    hint,
    cause,
  }: {
    readonly field: string;
    readonly reason: string;
    readonly hint?: string;
    readonly cause?: unknown;
  }) {
    super({
      message: `Invalid \`${field}\`: ${reason}.${hint === undefined ? '' : ` ${hint}`}`,
      code: 'CONVERSATION_INVALID_INPUT',
      cause,
    });
    this.field = field;
    this.reason = reason;
  }

  override get fields(): DkErrorFields {
    return { field: this.field, reason: this.reason };
  }
}
