import { ConversationNotFoundError } from '@dk/spec';
import type { ConversationMetadata, ConversationStore, ConversationToolCall, MessageRole } from '@dk/spec';
import { ConversationImportError } from './conversation-import-error.js';
import type { ImportConversationOptions } from './import-conversation-options.js';

/** One node in a {@link ConversationExport}. */
export interface ExportedNode {
  /** Dot-path id. */
  readonly id: string;
  /** Parent id, `null` for the root. */
  readonly parentId: string | null;
  readonly role: MessageRole;
  readonly content: string;
  readonly name?: string;
  readonly toolCalls?: readonly ConversationToolCall[];
  readonly toolCallId?: string;
  readonly metadata: ConversationMetadata;
  readonly promptName?: string;
  readonly branchName?: string;
  /** ISO 8601 time the node was stored. */
  readonly createdAt: string;
}

/**
 * A whole conversation as JSON (format `dk.conversation`, version 1): the record and every
 * node of every branch in append order (parents before children). Node ids are kept.
 */
export interface ConversationExport {
  readonly format: 'dk.conversation';
  readonly version: 1;
  /** ISO 8601 time of the export. */
  readonly exportedAt: string;
  readonly conversation: {
    readonly id: string;
    readonly metadata: ConversationMetadata;
    readonly currentNodeId: string | null;
    /** ISO 8601. */
    readonly createdAt: string;
    /** ISO 8601. */
    readonly updatedAt: string;
  };
  readonly nodes: readonly ExportedNode[];
}

/** Options of {@link exportConversation}. */
export interface ExportConversationOptions {
  readonly storage: ConversationStore;
  readonly conversationId: string;
}

/** Reads a conversation (the whole tree, one `load`) into a {@link ConversationExport}. */
export async function exportConversation({
  storage,
  conversationId,
}: ExportConversationOptions): Promise<ConversationExport> {
  const tree = await storage.load({ conversationId });
  if (tree === undefined) throw new ConversationNotFoundError({ conversationId });
  const { conversation } = tree;
  return {
    format: 'dk.conversation',
    version: 1,
    exportedAt: new Date().toISOString(),
    conversation: {
      id: conversation.id,
      metadata: conversation.metadata,
      currentNodeId: conversation.currentNodeId,
      createdAt: conversation.createdAt.toISOString(),
      updatedAt: conversation.updatedAt.toISOString(),
    },
    nodes: tree.nodes.map((node) => ({
      id: node.id,
      parentId: node.parentId,
      role: node.role,
      content: node.content,
      ...(node.name === undefined ? {} : { name: node.name }),
      ...(node.toolCalls === undefined ? {} : { toolCalls: node.toolCalls }),
      ...(node.toolCallId === undefined ? {} : { toolCallId: node.toolCallId }),
      metadata: node.metadata,
      ...(node.promptName === undefined ? {} : { promptName: node.promptName }),
      ...(node.branchName === undefined ? {} : { branchName: node.branchName }),
      createdAt: node.createdAt.toISOString(),
    })),
  };
}

const roles: ReadonlySet<string> = new Set(['system', 'user', 'assistant', 'tool']);

function parseDate(value: unknown, path: string): Date {
  const date = typeof value === 'string' ? new Date(value) : undefined;
  if (date === undefined || Number.isNaN(date.getTime()))
    throw new ConversationImportError({ path, reason: 'must be an ISO 8601 date string' });
  return date;
}

function checkDocument(data: unknown): ConversationExport {
  if (typeof data !== 'object' || data === null)
    throw new ConversationImportError({ path: '$', reason: 'must be an object' });
  const document = data as Record<string, unknown>;
  if (document['format'] !== 'dk.conversation')
    throw new ConversationImportError({ path: 'format', reason: 'must be "dk.conversation"' });
  if (document['version'] !== 1)
    throw new ConversationImportError({
      path: 'version',
      reason: `is ${JSON.stringify(document['version'])}; only version 1 is supported`,
    });
  const conversation = document['conversation'];
  if (typeof conversation !== 'object' || conversation === null)
    throw new ConversationImportError({ path: 'conversation', reason: 'must be an object' });
  const record = conversation as Record<string, unknown>;
  if (typeof record['id'] !== 'string' || record['id'] === '')
    throw new ConversationImportError({ path: 'conversation.id', reason: 'must be a non-empty string' });
  if (typeof record['metadata'] !== 'object' || record['metadata'] === null)
    throw new ConversationImportError({ path: 'conversation.metadata', reason: 'must be an object' });
  if (record['currentNodeId'] !== null && typeof record['currentNodeId'] !== 'string')
    throw new ConversationImportError({ path: 'conversation.currentNodeId', reason: 'must be a node id or null' });
  parseDate(record['createdAt'], 'conversation.createdAt');
  if (!Array.isArray(document['nodes']))
    throw new ConversationImportError({ path: 'nodes', reason: 'must be an array' });
  const seen = new Set<string>();
  (document['nodes'] as unknown[]).forEach((value, index) => {
    const path = `nodes[${index}]`;
    if (typeof value !== 'object' || value === null)
      throw new ConversationImportError({ path, reason: 'must be an object' });
    const node = value as Record<string, unknown>;
    if (typeof node['id'] !== 'string')
      throw new ConversationImportError({ path: `${path}.id`, reason: 'must be a string' });
    if (seen.has(node['id']))
      throw new ConversationImportError({ path: `${path}.id`, reason: `repeats id "${node['id']}"` });
    const parentId = node['parentId'];
    if (index === 0 ? parentId !== null : typeof parentId !== 'string' || !seen.has(parentId)) {
      throw new ConversationImportError({
        path: `${path}.parentId`,
        reason: index === 0 ? 'must be null for the first (root) node' : 'must name a node listed earlier',
      });
    }
    if (typeof node['role'] !== 'string' || !roles.has(node['role']))
      throw new ConversationImportError({ path: `${path}.role`, reason: 'must be system, user, assistant or tool' });
    if (typeof node['content'] !== 'string')
      throw new ConversationImportError({ path: `${path}.content`, reason: 'must be a string' });
    if (typeof node['metadata'] !== 'object' || node['metadata'] === null)
      throw new ConversationImportError({ path: `${path}.metadata`, reason: 'must be an object' });
    parseDate(node['createdAt'], `${path}.createdAt`);
    seen.add(node['id']);
  });
  const cursor = record['currentNodeId'];
  if (typeof cursor === 'string' && !seen.has(cursor))
    throw new ConversationImportError({
      path: 'conversation.currentNodeId',
      reason: `names node "${cursor}", which is not in \`nodes\``,
    });
  return document as unknown as ConversationExport;
}

/**
 * Stores an exported conversation (`data`: a {@link ConversationExport} or its JSON text):
 * creates it (same id unless `conversationId` is given, original timestamps, its metadata
 * with `metadata` merged over it), appends every node in order (the store allocates the
 * same ids because nodes come in append order) and restores the cursor. The document is
 * validated first; if an id does not come out as exported, the partial import is deleted
 * and `ConversationImportError` thrown. Returns the conversation id.
 */
export async function importConversation({
  storage,
  data,
  conversationId,
  metadata,
}: ImportConversationOptions<ConversationExport | string>): Promise<string> {
  let parsed: unknown;
  try {
    parsed = typeof data === 'string' ? JSON.parse(data) : data;
  } catch (error) {
    throw new ConversationImportError({ path: '$', reason: 'is not valid JSON', cause: error });
  }
  const document = checkDocument(parsed);
  const record = await storage.create({
    id: conversationId ?? document.conversation.id,
    metadata: { ...document.conversation.metadata, ...metadata },
    createdAt: new Date(document.conversation.createdAt),
  });
  try {
    for (const [index, node] of document.nodes.entries()) {
      const result = await storage.appendNode({
        conversationId: record.id,
        parentId: node.parentId,
        node: {
          role: node.role,
          content: node.content,
          ...(node.name === undefined ? {} : { name: node.name }),
          ...(node.toolCalls === undefined ? {} : { toolCalls: node.toolCalls }),
          ...(node.toolCallId === undefined ? {} : { toolCallId: node.toolCallId }),
          metadata: node.metadata,
          ...(node.promptName === undefined ? {} : { promptName: node.promptName }),
          ...(node.branchName === undefined ? {} : { branchName: node.branchName }),
          createdAt: new Date(node.createdAt),
        },
      });
      if (result.node.id !== node.id) {
        throw new ConversationImportError({
          path: `nodes[${index}].id`,
          reason: `is "${node.id}" but the store allocated "${result.node.id}"; nodes must be listed in append order (siblings by position)`,
        });
      }
    }
    const cursor = document.conversation.currentNodeId;
    if (cursor !== null) {
      const current = await storage.get({ conversationId: record.id });
      await storage.updateConversation({
        conversationId: record.id,
        currentNodeId: cursor,
        expectedVersion: current!.version,
      });
    }
  } catch (error) {
    await storage.delete({ conversationId: record.id });
    throw error;
  }
  return record.id;
}
