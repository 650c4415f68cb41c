import type { ConversationMetadata, ConversationNode, ConversationRecord } from '@dk/spec';
import type { NormalizedNode } from './normalize-new-node.js';

/** A node as a store keeps it: ids plus the normalized, serialised parts. */
export interface StoredNode extends NormalizedNode {
  readonly conversationId: string;
  readonly id: string;
  readonly parentId: string | null;
  readonly position: number;
}

/** A conversation record as a store keeps it: metadata as JSON, times in epoch milliseconds. */
export interface StoredRecord {
  readonly id: string;
  readonly metadataJson: string;
  readonly currentNodeId: string | null;
  readonly version: number;
  readonly nodeCount: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A fresh metadata object from its JSON (no parse for the common empty object). */
function parseMetadata(json: string): ConversationMetadata {
  return json === '{}' ? {} : (JSON.parse(json) as ConversationMetadata);
}

/** Builds the public, freshly allocated `ConversationNode` (absent optional fields omitted). */
export function materializeNode(stored: StoredNode): ConversationNode {
  // Assigned one by one (not spread) in the public field order: this runs once per node on a
  // 10,000-node path, so it allocates one object per node and parses only non-empty JSON.
  const node: { -readonly [Key in keyof ConversationNode]: ConversationNode[Key] } = {
    conversationId: stored.conversationId,
    id: stored.id,
    parentId: stored.parentId,
    position: stored.position,
    role: stored.role,
    content: stored.content,
  } as ConversationNode; // metadata and createdAt are set below, before it is returned
  if (stored.name !== null) node.name = stored.name;
  if (stored.toolCallsJson !== null) node.toolCalls = JSON.parse(stored.toolCallsJson) as ConversationNode['toolCalls'];
  if (stored.toolCallId !== null) node.toolCallId = stored.toolCallId;
  node.metadata = parseMetadata(stored.metadataJson);
  if (stored.promptName !== null) node.promptName = stored.promptName;
  if (stored.branchName !== null) node.branchName = stored.branchName;
  node.createdAt = new Date(stored.createdAt);
  return node;
}

/** Builds the public, freshly allocated `ConversationRecord`. */
export function materializeRecord(stored: StoredRecord): ConversationRecord {
  return {
    id: stored.id,
    metadata: parseMetadata(stored.metadataJson),
    currentNodeId: stored.currentNodeId,
    version: stored.version,
    nodeCount: stored.nodeCount,
    createdAt: new Date(stored.createdAt),
    updatedAt: new Date(stored.updatedAt),
  };
}
