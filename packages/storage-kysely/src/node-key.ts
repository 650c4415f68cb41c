import { createHash } from 'node:crypto';

/** Ids up to this length are stored as they are; longer ones as a hash. */
const maxPlainKeyLength = 200;

/**
 * The indexed lookup key of a node id. Short ids are their own key (readable in the
 * database); ids of deep nodes grow with depth, so longer ones are stored as `h:` plus a
 * SHA-256 digest, which keeps index entries small (PostgreSQL limits btree entries to
 * ~2.7 kB) and appends flat. Dot-path ids never contain `:`, so the two forms cannot collide.
 */
export function nodeKey(id: string): string {
  return id.length <= maxPlainKeyLength ? id : `h:${createHash('sha256').update(id).digest('base64url')}`;
}
