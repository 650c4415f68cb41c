import { InvalidFilterError } from '@dk/spec';
import type { ConversationMetadataValue, ConversationSortField } from '@dk/spec';
import { decodePageCursor } from './page-cursor.js';
import type { PageCursor } from './page-cursor.js';
import { searchTokens } from './tokenize.js';

/** Metadata keys that filters accept (they are embedded in JSON paths by SQL stores). */
export const metadataKeyPattern = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$/;

/** A validated `ConversationFilter`; times in epoch milliseconds. */
export interface NormalizedFilter {
  readonly metadata: readonly (readonly [key: string, value: ConversationMetadataValue])[];
  readonly createdAfter: number | undefined;
  readonly createdBefore: number | undefined;
  readonly updatedAfter: number | undefined;
  readonly updatedBefore: number | undefined;
  /** Lower-case words every matching node must contain; `undefined` when no text filter. */
  readonly tokens: readonly string[] | undefined;
}

/** Validated `ListConversationsOptions`. */
export interface NormalizedListOptions {
  readonly filter: NormalizedFilter;
  readonly sortBy: ConversationSortField;
  readonly sortOrder: 'asc' | 'desc';
  readonly limit: number;
  readonly offset: number;
  readonly cursor: PageCursor | undefined;
}

/** Default page size of `list` and `search`. */
export const defaultPageSize = 100;
/** Largest page size of `list` and `search`. */
export const maxPageSize = 1000;

function time(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new InvalidFilterError({ field, reason: 'must be a valid `Date`.' });
  }
  return value.getTime();
}

/**
 * Validates a `ConversationFilter`.
 *
 * @param requireCondition - refuse a filter without any condition (bulk deletes).
 */
export function normalizeFilter(options: unknown, { requireCondition = false } = {}): NormalizedFilter {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new InvalidFilterError({
      field: 'filter',
      reason: 'must be an object like `{ metadata: { userId: "u1" } }`.',
    });
  }
  const value = (options ?? {}) as Record<string, unknown>;
  const metadata: [string, ConversationMetadataValue][] = [];
  const rawMetadata = value['metadata'];
  if (rawMetadata !== undefined) {
    if (typeof rawMetadata !== 'object' || rawMetadata === null || Array.isArray(rawMetadata)) {
      throw new InvalidFilterError({ field: 'metadata', reason: 'must be an object of key → value equalities.' });
    }
    for (const [key, entry] of Object.entries(rawMetadata)) {
      if (!metadataKeyPattern.test(key)) {
        throw new InvalidFilterError({
          field: `metadata.${key}`,
          reason:
            'filter keys are 1–128 characters of letters, digits, `_`, `-`, `.`, `:` (top-level metadata keys only).',
        });
      }
      const valid =
        entry === null ||
        typeof entry === 'string' ||
        typeof entry === 'boolean' ||
        (typeof entry === 'number' && Number.isFinite(entry));
      if (!valid) {
        throw new InvalidFilterError({
          field: `metadata.${key}`,
          reason: 'filter values must be a string, finite number, boolean or null (nested values cannot be filtered).',
        });
      }
      metadata.push([key, entry as ConversationMetadataValue]);
    }
  }
  let tokens: string[] | undefined;
  if (value['text'] !== undefined) {
    if (typeof value['text'] !== 'string') {
      throw new InvalidFilterError({ field: 'text', reason: 'must be a string of words to search for.' });
    }
    tokens = searchTokens(value['text']);
    if (tokens.length === 0) {
      throw new InvalidFilterError({ field: 'text', reason: 'contains no words (letters or digits) to search for.' });
    }
  }
  const filter: NormalizedFilter = {
    metadata,
    createdAfter: time(value['createdAfter'], 'createdAfter'),
    createdBefore: time(value['createdBefore'], 'createdBefore'),
    updatedAfter: time(value['updatedAfter'], 'updatedAfter'),
    updatedBefore: time(value['updatedBefore'], 'updatedBefore'),
    tokens,
  };
  if (
    requireCondition &&
    metadata.length === 0 &&
    tokens === undefined &&
    filter.createdAfter === undefined &&
    filter.createdBefore === undefined &&
    filter.updatedAfter === undefined &&
    filter.updatedBefore === undefined
  ) {
    throw new InvalidFilterError({
      field: 'filter',
      reason:
        'is empty; a bulk delete needs at least one condition so it cannot wipe every conversation by accident. To delete everything, pass an explicit bound such as `{ createdBefore: new Date() }`.',
    });
  }
  return filter;
}

function integer(value: unknown, field: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidFilterError({ field, reason: `must be an integer from ${min} to ${max}.` });
  }
  return value;
}

/** Validates `ListConversationsOptions` (and `SearchConversationsOptions` when `requireText`). */
export function normalizeListOptions(options: unknown, { requireText = false } = {}): NormalizedListOptions {
  const filter = normalizeFilter(options);
  const value = (options ?? {}) as Record<string, unknown>;
  if (requireText && filter.tokens === undefined) {
    throw new InvalidFilterError({
      field: 'text',
      reason: 'is required for a search; use `list` to page without text.',
    });
  }
  const sortBy = value['sortBy'] ?? 'updatedAt';
  if (sortBy !== 'createdAt' && sortBy !== 'updatedAt' && sortBy !== 'id') {
    throw new InvalidFilterError({ field: 'sortBy', reason: 'must be "createdAt", "updatedAt" or "id".' });
  }
  const sortOrder = value['sortOrder'] ?? 'desc';
  if (sortOrder !== 'asc' && sortOrder !== 'desc') {
    throw new InvalidFilterError({ field: 'sortOrder', reason: 'must be "asc" or "desc".' });
  }
  const limit = integer(value['limit'], 'limit', 1, maxPageSize, defaultPageSize);
  const offset = integer(value['offset'], 'offset', 0, Number.MAX_SAFE_INTEGER, 0);
  let cursor: PageCursor | undefined;
  if (value['cursor'] !== undefined && value['cursor'] !== null) {
    if (typeof value['cursor'] !== 'string') {
      throw new InvalidFilterError({ field: 'cursor', reason: 'must be the `nextCursor` string of a previous page.' });
    }
    if (value['offset'] !== undefined && offset !== 0) {
      throw new InvalidFilterError({
        field: 'offset',
        reason: 'cannot be combined with `cursor`; use one pagination style.',
      });
    }
    cursor = decodePageCursor(value['cursor']);
    if (cursor.sortBy !== sortBy || cursor.sortOrder !== sortOrder) {
      throw new InvalidFilterError({
        field: 'cursor',
        reason: `was made for sortBy "${cursor.sortBy}" ${cursor.sortOrder}; pass the same sortBy and sortOrder as the first page.`,
      });
    }
  }
  return { filter, sortBy, sortOrder, limit, offset, cursor };
}
