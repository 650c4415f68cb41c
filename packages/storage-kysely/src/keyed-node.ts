import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { childNodeId, encodeStoredNodeId, isNodeId, storedChildNodeId } from '@dk/storage-utils';
import { nodeKeyLength } from './node-key.js';

/** Conversations whose last appended node a {@link LastAppendedNodes} remembers. */
const rememberedConversations = 256;

/**
 * A node id with what an append derives from it: its key (`nodeKey`), the SHA-256 state after
 * its text, and its stored form (`encodeStoredNodeId`, as the cursor column holds it). A dot path
 * grows with depth (about 2 characters a level), so hashing, checking and encoding it costs
 * O(depth); a chat appends under the node it appended last, whose keyed form is then at hand,
 * and {@link keyedChild} derives the child's in O(1): the key from the parent's state plus
 * `.<position>`, the stored form with `storedChildNodeId`.
 */
export interface KeyedNode {
  readonly id: string;
  readonly key: Buffer;
  readonly state: Hash;
  readonly stored: string;
}

function keyed(id: string, state: Hash, stored: string): KeyedNode {
  return { id, key: state.copy().digest().subarray(0, nodeKeyLength), state, stored };
}

/** The keyed form of a node id, computed from the whole id: O(depth). `id` must be a node id. */
export function keyedNode(id: string): KeyedNode {
  return keyed(id, createHash('sha256').update(id, 'utf8'), encodeStoredNodeId(id));
}

/** The keyed form of the child at `position` of `parent`: O(1). */
export function keyedChild(parent: KeyedNode, position: number): KeyedNode {
  const id = childNodeId(parent.id, position);
  return keyed(
    id,
    parent.id === '' ? createHash('sha256').update(id) : parent.state.copy().update(`.${position}`),
    storedChildNodeId(parent.stored, position),
  );
}

/**
 * A node as {@link LastAppendedNodes} hands it out: its keyed form and, when the backend gave
 * one, where its row was stored (`row`, e.g. PostgreSQL's `ctid`). The row address is a hint
 * the backend must check (the row there must still be this node), never trusted alone.
 */
export interface AppendedNode extends KeyedNode {
  readonly row?: string;
}

/**
 * The last node appended to each of the recently written conversations (at most 256, the
 * least recently written forgotten first), so the next turn's parent is keyed in O(1). A keyed
 * form depends only on the id, so entries stay right whatever other processes append.
 */
export class LastAppendedNodes {
  readonly #nodes = new Map<string, AppendedNode>();

  /**
   * The keyed form of `parentId` in `conversationId`: the remembered node when it is that
   * one, else computed (O(depth)); `undefined` when `parentId` is not a node id.
   */
  parent(conversationId: string, parentId: string): AppendedNode | undefined {
    const last = this.#nodes.get(conversationId);
    if (last?.id === parentId) return last;
    return isNodeId(parentId) ? keyedNode(parentId) : undefined;
  }

  /**
   * Remembers `node` as the last appended to `conversationId` (call once its append committed),
   * with the address of its row when the backend reports one.
   */
  remember(conversationId: string, node: KeyedNode, row?: string): void {
    this.#nodes.delete(conversationId);
    if (this.#nodes.size >= rememberedConversations) this.#nodes.delete(this.#nodes.keys().next().value!);
    this.#nodes.set(conversationId, row === undefined ? node : { ...node, row });
  }
}
