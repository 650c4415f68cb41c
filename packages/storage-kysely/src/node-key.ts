import { createHash } from 'node:crypto';

/** Bytes of a node key: the first 16 bytes (128 bits) of the SHA-256 digest of the node id. */
export const nodeKeyLength = 16;

/**
 * The indexed lookup key of a dot-path node id: the first {@link nodeKeyLength} bytes of the
 * SHA-256 digest of its UTF-8 text. Keys are the same size at any depth (a dot path at depth
 * 10,000 is ~20,000 characters), so the `(conversation_id, node_key)` index stays small and
 * appends stay flat. The PostgreSQL migrations compute the same bytes in SQL
 * (`substring(sha256(convert_to(id, 'UTF8')) FROM 1 FOR 16)`); ids are allocated by the store,
 * never chosen by callers, and 128 bits make a collision within one conversation negligible.
 */
export function nodeKey(id: string): Buffer {
  return createHash('sha256').update(id, 'utf8').digest().subarray(0, nodeKeyLength);
}
