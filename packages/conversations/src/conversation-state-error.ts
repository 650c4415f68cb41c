import { DkError } from '@dk/spec';
import type { DkErrorFields } from '@dk/spec';

/** An operation is not possible in the conversation's current state (e.g. completing an empty conversation). */
export class ConversationStateError extends DkError {
  static override readonly errorName: string = 'ConversationStateError';

  /** The conversation concerned. */
  readonly conversationId: string;
  /** The operation that was refused, e.g. `complete`, `branchFrom`. */
  readonly operation: string;

  constructor({
    conversationId,
    operation,
    message,
    cause,
  }: {
    readonly conversationId: string;
    readonly operation: string;
    readonly message: string;
    readonly cause?: unknown;
  }) {
    super({ message, code: 'CONVERSATION_STATE', cause });
    this.conversationId = conversationId;
    this.operation = operation;
  }

  override get fields(): DkErrorFields {
    return { conversationId: this.conversationId, operation: this.operation };
  }
}
