import { DkError } from './dk-error.js';
import type { DkErrorFields } from './dk-error.js';

/**
 * An optimistic-concurrency check failed: the conversation changed since the caller read
 * it. Nothing was written.
 */
export class ConversationConflictError extends DkError {
  static override readonly errorName: string = 'ConversationConflictError';

  /** The conversation that changed. */
  readonly conversationId: string;
  /** The version the caller expected. */
  readonly expectedVersion: number;
  /** The version found in the store. */
  readonly actualVersion: number;

  constructor({
    conversationId,
    expectedVersion,
    actualVersion,
    cause,
  }: {
    readonly conversationId: string;
    readonly expectedVersion: number;
    readonly actualVersion: number;
    readonly cause?: unknown;
  }) {
    super({
      message: `Conversation "${conversationId}" was changed by another writer (expected version ${expectedVersion}, found ${actualVersion}). Reload it with \`store.get()\` and retry with the new version.`,
      code: 'CONVERSATION_CONFLICT',
      cause,
    });
    this.conversationId = conversationId;
    this.expectedVersion = expectedVersion;
    this.actualVersion = actualVersion;
  }

  override get fields(): DkErrorFields {
    return {
      conversationId: this.conversationId,
      expectedVersion: this.expectedVersion,
      actualVersion: this.actualVersion,
    };
  }
}
