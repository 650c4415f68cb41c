import type { ConversationNode, ConversationRecord } from '@dk/spec';
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

/** Builds the public, freshly allocated `ConversationNode` (absent optional fields omitted). */
export function materializeNode(stored: StoredNode): ConversationNode {
  return {
    conversationId: stored.conversationId,
    id: stored.id,
    parentId: stored.parentId,
    position: stored.position,
    role: stored.role,
    content: stored.content,
    ...(stored.name === null ? {} : { name: stored.name }),
    ...(stored.toolCallsJson === null ? {} : { toolCalls: JSON.parse(stored.toolCallsJson) }),
    ...(stored.toolCallId === null ? {} : { toolCallId: stored.toolCallId }),
    metadata: JSON.parse(stored.metadataJson),
    ...(stored.promptName === null ? {} : { promptName: stored.promptName }),
    ...(stored.branchName === null ? {} : { branchName: stored.branchName }),
    createdAt: new Date(stored.createdAt),
  };
}

/** Builds the public, freshly allocated `ConversationRecord`. */
export function materializeRecord(stored: StoredRecord): ConversationRecord {
  return {
    id: stored.id,
    metadata: JSON.parse(stored.metadataJson),
    currentNodeId: stored.currentNodeId,
    version: stored.version,
    nodeCount: stored.nodeCount,
    createdAt: new Date(stored.createdAt),
    updatedAt: new Date(stored.updatedAt),
  };
}
