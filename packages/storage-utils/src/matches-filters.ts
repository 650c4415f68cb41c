import type { SearchFilters } from '@dk/spec';

/**
 * True when `metadata` satisfies every filter: equal values (`===`), or, for an array filter
 * value, equal to one of its elements. A filter on a key the metadata lacks never matches.
 */
export function matchesFilters(metadata: Readonly<Record<string, unknown>>, filters: SearchFilters): boolean {
  for (const [key, expected] of Object.entries(filters)) {
    if (!Object.hasOwn(metadata, key)) return false;
    const actual = metadata[key];
    if (Array.isArray(expected)) {
      if (!expected.some((candidate) => candidate === actual)) return false;
    } else if (actual !== expected) {
      return false;
    }
  }
  return true;
}
