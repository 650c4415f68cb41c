import { InvalidNodeError } from '@dk/spec';
import type { ConversationRole, NewConversationNode } from '@dk/spec';
import { checkImportOptions } from './import-conversation-options.js';
import type { ImportConversationOptions, ImportConversationResult } from './import-conversation-options.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function invalid(field: string, reason: string): InvalidNodeError {
  return new InvalidNodeError({ field: `export.${field}`, reason });
}

/** ChatGPT times are epoch seconds (fractional). */
function secondsToDate(value: unknown): Date | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? new Date(Math.round(value * 1000)) : undefined;
}

function roleOf(value: unknown): ConversationRole {
  return value === 'system' || value === 'user' || value === 'assistant' || value === 'tool' ? value : 'tool';
}

/** The text of a ChatGPT message; non-text parts (images, files) are counted, not inlined. */
function textOf(content: unknown): { text: string; nonTextParts: number } {
  if (!isObject(content)) return { text: '', nonTextParts: 0 };
  if (Array.isArray(content['parts'])) {
    const texts = content['parts'].filter((part): part is string => typeof part === 'string');
    return { text: texts.join('\n'), nonTextParts: content['parts'].length - texts.length };
  }
  if (typeof content['text'] === 'string') return { text: content['text'], nonTextParts: 0 };
  if (typeof content['result'] === 'string') return { text: content['result'], nonTextParts: 0 };
  return { text: '', nonTextParts: 1 };
}

/**
 * Imports one conversation of a ChatGPT data export (an element of `conversations.json`):
 * `{ title, create_time, mapping: { id: { message, parent, children } }, current_node }`.
 *
 * Every branch is kept, siblings in their `children` order; mapping entries without a
 * message (the export's hidden root) are skipped and their children attached to the nearest
 * imported ancestor (a synthetic empty system root is added when several top-level messages
 * remain). The title goes to conversation metadata, the model and ChatGPT message id to
 * node metadata. Works with any `ConversationStore`; on failure the partly imported
 * conversation is deleted.
 *
 * @example
 * for (const data of JSON.parse(conversationsJson)) await importChatGptConversation({ storage, data });
 */
export async function importChatGptConversation(options: ImportConversationOptions): Promise<ImportConversationResult> {
  checkImportOptions('importChatGptConversation', options);
  const { storage: store, data: exported } = options;
  if (!isObject(exported) || !isObject(exported['mapping'])) {
    throw invalid(
      'mapping',
      'is missing; pass one element of the export’s conversations.json (an object with `mapping`).',
    );
  }
  const mapping = exported['mapping'];
  for (const [key, entry] of Object.entries(mapping)) {
    if (!isObject(entry) || (entry['children'] !== undefined && !Array.isArray(entry['children']))) {
      throw invalid(`mapping.${key}`, 'must be `{ message, parent, children: string[] }`.');
    }
  }
  const roots = Object.keys(mapping).filter((key) => {
    const parent = (mapping[key] as Json)['parent'];
    return typeof parent !== 'string' || !(parent in mapping);
  });
  const sourceId = [exported['conversation_id'], exported['id']].find(
    (value): value is string => typeof value === 'string',
  );
  const createdAt = secondsToDate(exported['create_time']);
  const conversation = await store.create({
    ...((options.conversationId ?? sourceId) === undefined ? {} : { id: options.conversationId ?? sourceId }),
    metadata: {
      ...(typeof exported['title'] === 'string' ? { title: exported['title'] } : {}),
      source: 'chatgpt',
      ...options.metadata,
    },
    ...(createdAt === undefined ? {} : { createdAt }),
  });
  const nodeIds = new Map<string, string>();
  try {
    // Which mapping entries become nodes, and the imported ancestor each one hangs under.
    const topLevel: string[] = [];
    const importedChildren = new Map<string, string[]>();
    // Depth-first in `children` order, so siblings keep the export's order even across skipped entries.
    const walk: [key: string, importedAncestor: string | null][] = roots
      .map((key): [string, null] => [key, null])
      .reverse();
    while (walk.length > 0) {
      const [key, ancestor] = walk.pop()!;
      const entry = mapping[key] as Json;
      const imported = isObject(entry['message']);
      if (imported) {
        if (ancestor === null) topLevel.push(key);
        else importedChildren.set(ancestor, [...(importedChildren.get(ancestor) ?? []), key]);
      }
      const children = (entry['children'] as unknown[] | undefined) ?? [];
      for (const child of [...children].reverse()) {
        if (typeof child === 'string' && child in mapping) walk.push([child, imported ? key : ancestor]);
      }
    }
    const append = async (key: string, parentId: string | null): Promise<void> => {
      const message = (mapping[key] as Json)['message'] as Json;
      const author = isObject(message['author']) ? message['author'] : {};
      const messageMetadata = isObject(message['metadata']) ? message['metadata'] : {};
      const { text, nonTextParts } = textOf(message['content']);
      const createdAtNode = secondsToDate(message['create_time']) ?? createdAt;
      const node: NewConversationNode = {
        role: roleOf(author['role']),
        content: text,
        ...(typeof author['name'] === 'string' ? { name: author['name'] } : {}),
        metadata: {
          chatgptMessageId: typeof message['id'] === 'string' ? message['id'] : key,
          ...(typeof messageMetadata['model_slug'] === 'string' ? { model: messageMetadata['model_slug'] } : {}),
          ...(typeof message['recipient'] === 'string' && message['recipient'] !== 'all'
            ? { recipient: message['recipient'] }
            : {}),
          ...(nonTextParts > 0 ? { nonTextParts } : {}),
          ...(messageMetadata['is_visually_hidden_from_conversation'] === true ? { hidden: true } : {}),
        },
        ...(createdAtNode === undefined ? {} : { createdAt: createdAtNode }),
      };
      const { node: stored } = await store.appendNode({ conversationId: conversation.id, parentId, node });
      nodeIds.set(key, stored.id);
      for (const child of importedChildren.get(key) ?? []) await append(child, stored.id);
    };
    if (topLevel.length === 1) {
      await append(topLevel[0]!, null);
    } else if (topLevel.length > 1) {
      const { node: root } = await store.appendNode({
        conversationId: conversation.id,
        parentId: null,
        node: { role: 'system', content: '', metadata: { syntheticRoot: true } },
      });
      for (const key of topLevel) await append(key, root.id);
    }
    // The cursor: the current node, or its nearest imported ancestor.
    let cursorKey = typeof exported['current_node'] === 'string' ? exported['current_node'] : undefined;
    while (cursorKey !== undefined && !nodeIds.has(cursorKey)) {
      const parent = isObject(mapping[cursorKey]) ? (mapping[cursorKey] as Json)['parent'] : undefined;
      cursorKey = typeof parent === 'string' ? parent : undefined;
    }
    const current = (await store.get({ conversationId: conversation.id }))!;
    const final =
      cursorKey === undefined
        ? current
        : await store.updateConversation({
            conversationId: conversation.id,
            expectedVersion: current.version,
            currentNodeId: nodeIds.get(cursorKey)!,
          });
    return { conversation: final, nodeIds };
  } catch (error) {
    await store.delete({ conversationId: conversation.id }).catch(() => undefined);
    throw error;
  }
}
