import { SharedStateInputError } from '@dk/spec';

// The key layout. Every key starts with the component's prefix. A Redis Cluster hash tag
// (`{…}`) holds what must share a slot: one limiter key, one budget key, one cache group
// (e.g. one conversation: its entries and its version), so scripts touching them run on one
// node. A cache group is written with its length first, so no group/key pair can be spelt
// like another whatever braces or colons they contain.

/** Checks a key prefix: braces would move every key into the prefix's hash tag (one slot). */
export function checkPrefix(component: string, prefix: unknown): string {
  if (typeof prefix !== 'string' || /[{}]/.test(prefix)) {
    throw new SharedStateInputError({
      component,
      field: 'prefix',
      reason: `must be a string without braces (they would put every key in one cluster slot), got ${JSON.stringify(prefix)}`,
    });
  }
  return prefix;
}

/** The key of a limiter or budget `key`: its own hash tag. */
export function taggedKey(prefix: string, key: string): string {
  return `${prefix}{${key}}`;
}

/** The key of an ungrouped cache entry. */
export function entryKey(prefix: string, key: string): string {
  return `${prefix}k:${key}`;
}

function groupTag(prefix: string, group: string): string {
  return `${prefix}${group.length}{${group}}`;
}

/** The key of a cache entry in `group`. */
export function groupEntryKey(prefix: string, group: string, key: string): string {
  return `${groupTag(prefix, group)}:k:${key}`;
}

/** The key of `group`'s version counter. */
export function groupVersionKey(prefix: string, group: string): string {
  return `${groupTag(prefix, group)}:v`;
}

/** A SCAN pattern matching every key that starts with `prefix`. */
export function prefixPattern(prefix: string): string {
  return `${prefix.replace(/[*?[\]\\]/g, (character) => `\\${character}`)}*`;
}
