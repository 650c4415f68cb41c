import { InvalidFilterError } from '@dk/spec';
import type { ConversationSortField } from '@dk/spec';

/** The position after which the next page starts, for keyset pagination. */
export interface PageCursor {
  /** Sort field the cursor was made for. */
  readonly sortBy: ConversationSortField;
  /** Sort direction the cursor was made for. */
  readonly sortOrder: 'asc' | 'desc';
  /** Sort value of the last row: epoch milliseconds for times, the id for `id`. */
  readonly value: number | string;
  /** Id of the last row (the tie-breaker). */
  readonly id: string;
}

/** Encodes a page cursor as an opaque URL-safe string. */
export function encodePageCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify([cursor.sortBy, cursor.sortOrder, cursor.value, cursor.id])).toString('base64url');
}

/** Decodes a cursor made by {@link encodePageCursor}; a malformed cursor is an `InvalidFilterError`. */
export function decodePageCursor(text: string): PageCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch (error) {
    throw new InvalidFilterError({
      field: 'cursor',
      reason: 'is not a cursor returned by this store. Pass `nextCursor` from the previous page unchanged.',
      cause: error,
    });
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 4 ||
    !['createdAt', 'updatedAt', 'id'].includes(parsed[0]) ||
    !['asc', 'desc'].includes(parsed[1]) ||
    (typeof parsed[2] !== 'string' && typeof parsed[2] !== 'number') ||
    typeof parsed[3] !== 'string' ||
    (parsed[0] === 'id') !== (typeof parsed[2] === 'string')
  ) {
    throw new InvalidFilterError({
      field: 'cursor',
      reason: 'is not a cursor returned by this store. Pass `nextCursor` from the previous page unchanged.',
    });
  }
  return { sortBy: parsed[0], sortOrder: parsed[1], value: parsed[2], id: parsed[3] };
}
