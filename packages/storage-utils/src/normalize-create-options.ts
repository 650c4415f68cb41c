import { InvalidNodeError } from '@dk/spec';
import { serializeMetadata, timeOption } from './normalize-new-node.js';

/** Validated options of `ConversationStore.create`. */
export interface NormalizedCreateOptions {
  readonly id: string;
  readonly metadataJson: string;
  /** Epoch milliseconds. */
  readonly createdAt: number;
}

/** Longest accepted conversation id. */
export const maxConversationIdLength = 255;

/** Validates a conversation id given to any store operation. */
export function checkConversationId(id: unknown, field = 'conversationId'): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > maxConversationIdLength) {
    throw new InvalidNodeError({
      field,
      reason: `must be a non-empty string of at most ${maxConversationIdLength} characters.`,
    });
  }
  return id;
}

/** Validates `create` options, generating the id when absent. */
export function normalizeCreateOptions(
  options: unknown,
  { generateId, now }: { readonly generateId: () => string; readonly now: number },
): NormalizedCreateOptions {
  const value = (options ?? {}) as Record<string, unknown>;
  if (typeof value !== 'object') {
    throw new InvalidNodeError({ field: 'options', reason: 'must be an object like `{ id, metadata }`.' });
  }
  const id = value['id'] === undefined ? generateId() : checkConversationId(value['id'], 'id');
  return {
    id,
    metadataJson: serializeMetadata(
      value['metadata'],
      (reason, cause) => new InvalidNodeError({ field: 'metadata', reason, cause }),
    ),
    createdAt:
      value['createdAt'] === undefined
        ? now
        : timeOption(value['createdAt'], (reason) => new InvalidNodeError({ field: 'createdAt', reason })),
  };
}
