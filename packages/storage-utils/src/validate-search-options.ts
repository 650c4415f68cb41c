import { RagSearchError } from '@dk/spec';
import type { SearchFilters, SearchOptions } from '@dk/spec';

/** Search options with defaults applied and ranges checked. */
export interface ValidatedSearchOptions {
  readonly k: number;
  readonly scoreThreshold: number | undefined;
  readonly filters: SearchFilters | undefined;
}

/** Default number of results of a search. */
export const defaultSearchK = 5;

/**
 * Applies the contract's defaults (`k` = 5) and rejects out-of-range options with a
 * {@link RagSearchError} (`RAG_SEARCH_OPTIONS_INVALID`). For adapter implementations.
 */
export function validateSearchOptions(options: SearchOptions, adapterName: string): ValidatedSearchOptions {
  const k = options.k ?? defaultSearchK;
  if (!Number.isInteger(k) || k < 1) {
    throw new RagSearchError({
      message: `Search option k must be a positive integer, got ${String(k)}. Use k: 5 (the default) or similar.`,
      adapterName,
      code: 'RAG_SEARCH_OPTIONS_INVALID',
    });
  }
  const scoreThreshold = options.scoreThreshold;
  if (scoreThreshold !== undefined && (!Number.isFinite(scoreThreshold) || scoreThreshold < 0 || scoreThreshold > 1)) {
    throw new RagSearchError({
      message: `Search option scoreThreshold must be between 0 and 1 (scores are normalised), got ${String(scoreThreshold)}.`,
      adapterName,
      code: 'RAG_SEARCH_OPTIONS_INVALID',
    });
  }
  const filters = options.filters;
  if (filters !== undefined && (typeof filters !== 'object' || filters === null || Array.isArray(filters))) {
    throw new RagSearchError({
      message: 'Search option filters must be an object of metadata field → expected value.',
      adapterName,
      code: 'RAG_SEARCH_OPTIONS_INVALID',
    });
  }
  return { k, scoreThreshold, filters };
}
