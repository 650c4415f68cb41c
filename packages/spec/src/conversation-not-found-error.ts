import { DkError } from './dk-error.js';
import type { DkErrorFields } from './dk-error.js';

/** A conversation store was asked for a conversation that does not exist. */
export class ConversationNotFoundError extends DkError {
  static override readonly errorName: string = 'ConversationNotFoundError';

  /** The id that was not found. */
  readonly conversationId: string;

  constructor({ conversationId, cause }: { readonly conversationId: string; readonly cause?: unknown }) {
    super({
      message: `Conversation "${conversationId}" does not exist. Create it with \`store.create({ id })\` or check the id.`,
      code: 'CONVERSATION_NOT_FOUND',
      cause,
    });
    this.conversationId = conversationId;
  }

  override get fields(): DkErrorFields {
    return { conversationId: this.conversationId };
  }
}
