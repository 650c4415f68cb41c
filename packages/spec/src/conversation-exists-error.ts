import { DkError } from './dk-error.js';
import type { DkErrorFields } from './dk-error.js';

/** `create` was given an id that another conversation already uses. */
export class ConversationExistsError extends DkError {
  static override readonly errorName: string = 'ConversationExistsError';

  /** The id that is taken. */
  readonly conversationId: string;

  constructor({ conversationId, cause }: { readonly conversationId: string; readonly cause?: unknown }) {
    super({
      message: `Conversation "${conversationId}" already exists. Choose another id, omit \`id\` to get a generated one, or load the existing conversation.`,
      code: 'CONVERSATION_EXISTS',
      cause,
    });
    this.conversationId = conversationId;
  }

  override get fields(): DkErrorFields {
    return { conversationId: this.conversationId };
  }
}
