import { InvalidNodeError } from '@dk/spec';
import type { ConversationRole, ConversationToolCall, NewConversationNode } from '@dk/spec';
import { checkImportOptions } from './import-conversation-options.js';
import type { ImportConversationOptions, ImportConversationResult } from './import-conversation-options.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function invalid(field: string, reason: string): InvalidNodeError {
  return new InvalidNodeError({ field: `document.${field}`, reason });
}

/** Python's timestamps are naive ISO-8601 local times; parse them in this process's zone. */
function parseTime(value: unknown, field: string): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const time = typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
  if (time === undefined || Number.isNaN(time.getTime()))
    throw invalid(field, `is not an ISO-8601 timestamp (got ${JSON.stringify(value)}).`);
  return time;
}

function parseArguments(value: unknown): Record<string, unknown> {
  if (isObject(value)) return value;
  if (typeof value === 'string') {
    try {
      const parsed: unknown = JSON.parse(value);
      if (isObject(parsed)) return parsed;
    } catch {
      // Not JSON: keep the raw text below.
    }
    return { raw: value };
  }
  return {};
}

function toolCalls(message: Json, metadata: Json, nodeId: string): ConversationToolCall[] | undefined {
  // Schema 1.0.0 kept tool calls in node metadata; 1.1.0 moved them onto the message.
  const raw = message['tool_calls'] ?? metadata['tool_calls'];
  const calls: ConversationToolCall[] = [];
  if (Array.isArray(raw)) {
    raw.forEach((call: unknown, index) => {
      if (!isObject(call) || typeof call['name'] !== 'string') return;
      calls.push({
        id: typeof call['id'] === 'string' ? call['id'] : `call_${nodeId || 'root'}_${index}`,
        name: call['name'],
        arguments: parseArguments(call['parameters'] ?? call['arguments']),
      });
    });
  }
  const functionCall = message['function_call'] ?? metadata['function_call'];
  if (isObject(functionCall) && typeof functionCall['name'] === 'string') {
    calls.push({
      id: `function_call_${nodeId || 'root'}`,
      name: functionCall['name'],
      arguments: parseArguments(functionCall['arguments']),
    });
  }
  return calls.length > 0 ? calls : undefined;
}

function roleOf(value: unknown, field: string): ConversationRole {
  if (value === 'function') return 'tool';
  if (value === 'system' || value === 'user' || value === 'assistant' || value === 'tool') return value;
  throw invalid(
    field,
    `has unknown role ${JSON.stringify(value)}; expected system, user, assistant, tool or function.`,
  );
}

/**
 * Imports a conversation saved by the Python original (`dataknobs_llm`): its JSON document
 * `{ schema_version, conversation_id, nodes, edges, current_node_id, metadata, created_at }`
 * with messages `{ role, content, name?, tool_call_id?, tool_calls?, function_call?, metadata? }`.
 *
 * The tree is rebuilt in edge order, so sibling order (and therefore the dot-path ids) is
 * kept; schema 1.0.0 documents get their tool calls from node metadata as the original's
 * 1.0.0→1.1.0 migration does. Naive timestamps are read as local time. Works with any
 * `ConversationStore`; on failure the partly imported conversation is deleted.
 *
 * @example
 * const { conversation, nodeIds } = await importDataknobsConversation({ storage, data: JSON.parse(savedJson) });
 */
export async function importDataknobsConversation(
  options: ImportConversationOptions,
): Promise<ImportConversationResult> {
  checkImportOptions('importDataknobsConversation', options);
  const { storage: store, data: document } = options;
  if (!isObject(document)) throw invalid('', 'must be the JSON object a dataknobs conversation was saved as.');
  const version = String(document['schema_version'] ?? '0.0.0');
  if (Number(version.split('.')[0]) > 1) {
    throw invalid('schema_version', `is ${version}; this importer reads schema versions up to 1.x.`);
  }
  const rawNodes = document['nodes'];
  const edges = document['edges'] ?? [];
  if (!Array.isArray(rawNodes)) throw invalid('nodes', 'must be an array of nodes.');
  if (!Array.isArray(edges)) throw invalid('edges', 'must be an array of [parentId, childId] pairs.');
  const byId = new Map<string, Json>();
  rawNodes.forEach((node: unknown, index) => {
    if (!isObject(node) || typeof node['node_id'] !== 'string' || !isObject(node['message'])) {
      throw invalid(`nodes[${index}]`, 'must be `{ node_id: string, message: { role, content }, … }`.');
    }
    byId.set(node['node_id'], node);
  });
  const children = new Map<string, string[]>();
  const isChild = new Set<string>();
  edges.forEach((edge: unknown, index) => {
    if (
      !Array.isArray(edge) ||
      typeof edge[0] !== 'string' ||
      typeof edge[1] !== 'string' ||
      !byId.has(edge[0]) ||
      !byId.has(edge[1])
    ) {
      throw invalid(`edges[${index}]`, 'must be [parentId, childId] naming two nodes of the document.');
    }
    children.set(edge[0], [...(children.get(edge[0]) ?? []), edge[1]]);
    isChild.add(edge[1]);
  });
  const rootId = byId.has('') ? '' : ([...byId.keys()].find((id) => !isChild.has(id)) ?? [...byId.keys()][0]);

  const metadata = { ...(isObject(document['metadata']) ? document['metadata'] : {}), ...options.metadata };
  const sourceId = typeof document['conversation_id'] === 'string' ? document['conversation_id'] : undefined;
  const createdAt = parseTime(document['created_at'], 'created_at');
  const conversation = await store.create({
    ...((options.conversationId ?? sourceId) === undefined ? {} : { id: options.conversationId ?? sourceId }),
    metadata,
    ...(createdAt === undefined ? {} : { createdAt }),
  });
  const nodeIds = new Map<string, string>();
  try {
    if (rootId !== undefined) {
      // Breadth-first in edge order: each parent's children are appended in their original order.
      const queue: [sourceId: string, parentId: string | null][] = [[rootId, null]];
      for (let index = 0; index < queue.length; index += 1) {
        const [id, parentId] = queue[index]!;
        const source = byId.get(id)!;
        const message = source['message'] as Json;
        const nodeMetadata = isObject(source['metadata']) ? source['metadata'] : {};
        const calls = toolCalls(message, nodeMetadata, id);
        const { tool_calls: _calls, function_call: _function, ...keptMetadata } = nodeMetadata;
        const createdAtNode = parseTime(source['timestamp'], `nodes[${id}].timestamp`);
        const node: NewConversationNode = {
          role: roleOf(message['role'], `nodes[${id}].message.role`),
          content:
            typeof message['content'] === 'string' ? message['content'] : JSON.stringify(message['content'] ?? ''),
          ...(typeof message['name'] === 'string' ? { name: message['name'] } : {}),
          ...(typeof message['tool_call_id'] === 'string' ? { toolCallId: message['tool_call_id'] } : {}),
          ...(calls === undefined ? {} : { toolCalls: calls }),
          metadata: { ...(isObject(message['metadata']) ? message['metadata'] : {}), ...keptMetadata },
          ...(typeof source['prompt_name'] === 'string' ? { promptName: source['prompt_name'] } : {}),
          ...(typeof source['branch_name'] === 'string' ? { branchName: source['branch_name'] } : {}),
          ...(createdAtNode === undefined ? {} : { createdAt: createdAtNode }),
        };
        const { node: stored } = await store.appendNode({ conversationId: conversation.id, parentId, node });
        nodeIds.set(id, stored.id);
        for (const child of children.get(id) ?? []) if (!nodeIds.has(child)) queue.push([child, stored.id]);
      }
    }
    const cursor =
      typeof document['current_node_id'] === 'string' ? nodeIds.get(document['current_node_id']) : undefined;
    const current = await store.get({ conversationId: conversation.id });
    const final =
      cursor === undefined
        ? current!
        : await store.updateConversation({
            conversationId: conversation.id,
            expectedVersion: current!.version,
            currentNodeId: cursor,
          });
    return { conversation: final, nodeIds };
  } catch (error) {
    await store.delete({ conversationId: conversation.id }).catch(() => undefined);
    throw error;
  }
}
