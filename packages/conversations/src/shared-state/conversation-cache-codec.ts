import type { ConversationNode, ConversationRecord, ConversationTree } from '@dk/spec';

// How the conversation read cache stores records, paths and trees as JSON: dates as epoch
// milliseconds, turned back into `Date`s on the way out; everything else as the store gave it.

type Encoded<T> = Omit<T, 'createdAt' | 'updatedAt'> & { readonly createdAt: number; readonly updatedAt?: number };

/** A record as JSON. */
export function encodeRecord(record: ConversationRecord): Encoded<ConversationRecord> {
  return { ...record, createdAt: record.createdAt.getTime(), updatedAt: record.updatedAt.getTime() };
}

/** A record from its JSON. */
export function decodeRecord(value: unknown): ConversationRecord {
  const encoded = value as Encoded<ConversationRecord>;
  return { ...encoded, createdAt: new Date(encoded.createdAt), updatedAt: new Date(encoded.updatedAt!) };
}

/** Nodes as JSON. */
export function encodeNodes(nodes: readonly ConversationNode[]): Encoded<ConversationNode>[] {
  return nodes.map((node) => ({ ...node, createdAt: node.createdAt.getTime() }));
}

/** Nodes from their JSON. */
export function decodeNodes(value: unknown): ConversationNode[] {
  return (value as Encoded<ConversationNode>[]).map((node) => ({ ...node, createdAt: new Date(node.createdAt) }));
}

/** A tree as JSON. */
export function encodeTree(tree: ConversationTree): unknown {
  return { conversation: encodeRecord(tree.conversation), nodes: encodeNodes(tree.nodes) };
}

/** A tree from its JSON. */
export function decodeTree(value: unknown): ConversationTree {
  const encoded = value as { conversation: unknown; nodes: unknown };
  return { conversation: decodeRecord(encoded.conversation), nodes: decodeNodes(encoded.nodes) };
}
