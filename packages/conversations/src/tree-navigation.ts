import type { ConversationNode } from '@dk/spec';
import { ConversationInputError } from './conversation-input-error.js';
import type { ConversationSession } from './conversation-session.js';
import type { BranchInfo } from './conversation-state.js';
import { ConversationStateError } from './conversation-state-error.js';

const previewLength = 100;

/** Moves the cursor to `nodeId` (persisted, version-checked) and loads its path. */
export async function switchToNode(session: ConversationSession, nodeId: string): Promise<void> {
  if (typeof nodeId !== 'string')
    throw new ConversationInputError({ field: 'nodeId', reason: 'must be a node id string such as "0.1"' });
  if (session.record.currentNodeId === nodeId) return;
  const path = await session.pathTo(nodeId);
  session.record = await session.storage.updateConversation({
    conversationId: session.conversationId,
    currentNodeId: nodeId,
    expectedVersion: session.record.version,
  });
  session.path.replace(path);
}

/** Moves the cursor to the parent of `nodeId`; the root has none. */
export async function branchFrom(session: ConversationSession, nodeId: string): Promise<void> {
  const node = await session.requireNode(nodeId);
  if (node.parentId === null) {
    throw new ConversationStateError({
      conversationId: session.conversationId,
      operation: 'branchFrom',
      message: `Cannot branch from the root node "${node.id}": it has no parent. Branch from one of its children instead.`,
    });
  }
  await switchToNode(session, node.parentId);
}

/** Stores an edited copy of `nodeId` as its sibling and moves the cursor to it. */
export async function editMessage(
  session: ConversationSession,
  nodeId: string,
  content: string,
): Promise<ConversationNode> {
  if (typeof content !== 'string') throw new ConversationInputError({ field: 'content', reason: 'must be a string' });
  const original = await session.requireNode(nodeId);
  if (original.parentId === null) {
    throw new ConversationStateError({
      conversationId: session.conversationId,
      operation: 'editMessage',
      message: `Cannot edit the root node "${original.id}": a conversation has one root. Edit a later message, or start a new conversation.`,
    });
  }
  const base = await session.pathTo(original.parentId);
  return session.append(base, {
    role: original.role,
    content,
    ...(original.name === undefined ? {} : { name: original.name }),
    ...(original.toolCallId === undefined ? {} : { toolCallId: original.toolCallId }),
    ...(original.toolCalls === undefined ? {} : { toolCalls: original.toolCalls }),
    ...(original.branchName === undefined ? {} : { branchName: original.branchName }),
    metadata: { editedFrom: original.id },
  });
}

function branchInfo(node: ConversationNode): BranchInfo {
  return {
    id: node.id,
    branchName: node.branchName,
    role: node.role,
    preview: node.content.slice(0, previewLength),
    timestamp: node.createdAt,
    interrupted: node.metadata['interrupted'] === true,
  };
}

/** The alternatives at the cursor (no `nodeId`), or the children of `nodeId`. */
export async function getBranches(session: ConversationSession, nodeId?: string): Promise<readonly BranchInfo[]> {
  let parentId: string;
  if (nodeId === undefined) {
    const cursor = session.path.last?.node;
    if (cursor === undefined) return [];
    if (cursor.parentId === null) return [branchInfo(cursor)];
    parentId = cursor.parentId;
  } else {
    parentId = nodeId;
  }
  const children = await session.storage.getChildren({ conversationId: session.conversationId, nodeId: parentId });
  return children.map(branchInfo);
}
