import type { ConversationStore } from '@dk/spec';
import { ConversationInputError } from './conversation-input-error.js';

/** Options of {@link deleteConversationsOlderThan}. */
export interface DeleteConversationsOlderThanOptions {
  readonly storage: ConversationStore;
  /** Conversations last updated (or created, see `field`) strictly before this time are deleted. */
  readonly before: Date;
  /** Which time to compare. Default `'updatedAt'` (inactive conversations). */
  readonly field?: 'updatedAt' | 'createdAt';
}

/**
 * Deletes old conversations in one store call (`deleteMany` with a time bound) and returns
 * how many were deleted — the guide's "clean up old conversations", without listing them.
 */
export async function deleteConversationsOlderThan({
  storage,
  before,
  field = 'updatedAt',
}: DeleteConversationsOlderThanOptions): Promise<number> {
  if (!(before instanceof Date) || Number.isNaN(before.getTime())) {
    throw new ConversationInputError({
      field: 'before',
      reason: 'must be a valid Date',
      hint: 'e.g. `new Date(Date.now() - 30 * 86_400_000)` for 30 days.',
    });
  }
  if (field !== 'updatedAt' && field !== 'createdAt')
    throw new ConversationInputError({ field: 'field', reason: "must be 'updatedAt' or 'createdAt'" });
  return storage.deleteMany(field === 'updatedAt' ? { updatedBefore: before } : { createdBefore: before });
}
