import { checkOptions } from '@dk/spec';
import type { ConversationMetadata, ConversationRecord, ConversationStore } from '@dk/spec';
import { ConversationInputError } from './conversation-input-error.js';

/**
 * Options of every conversation importer (`importConversation`, `importChatGptConversation`,
 * `importDataknobsConversation`): where to store, what to read, and how to name it.
 */
export interface ImportConversationOptions<Data = unknown> {
  /** The store to create the conversation in; any `ConversationStore`. */
  readonly storage: ConversationStore;
  /** The source document (each importer says which format it reads). */
  readonly data: Data;
  /** Id for the new conversation. Default: the source's id (or a generated one when it has none). */
  readonly conversationId?: string;
  /** Extra conversation metadata, merged over what the source carries. */
  readonly metadata?: ConversationMetadata;
}

/** What `importChatGptConversation` and `importDataknobsConversation` stored. */
export interface ImportConversationResult {
  /** The created conversation, cursor set. */
  readonly conversation: ConversationRecord;
  /** Source message/node id → id of the stored node. Skipped (empty) source nodes are absent. */
  readonly nodeIds: ReadonlyMap<string, string>;
}

const importConversationOptionNames: readonly string[] = ['storage', 'data', 'conversationId', 'metadata'];

/**
 * Checks an importer's options at run time: unknown names fail with `InvalidOptionsError`,
 * a missing store or a mistyped id or metadata with `ConversationInputError`.
 */
export function checkImportOptions(component: string, options: unknown): void {
  checkOptions(component, options, importConversationOptionNames);
  const value = (options ?? {}) as Record<string, unknown>;
  const storage = value['storage'] as Partial<ConversationStore> | undefined;
  if (typeof storage?.create !== 'function' || typeof storage.appendNode !== 'function') {
    throw new ConversationInputError({
      field: 'storage',
      reason: 'must be a ConversationStore',
      hint: `Call ${component}({ storage, data }) with a store such as new MemoryConversationStore().`,
    });
  }
  const conversationId = value['conversationId'];
  if (conversationId !== undefined && (typeof conversationId !== 'string' || conversationId === '')) {
    throw new ConversationInputError({ field: 'conversationId', reason: 'must be a non-empty string' });
  }
  const metadata = value['metadata'];
  if (metadata !== undefined && (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))) {
    throw new ConversationInputError({ field: 'metadata', reason: 'must be an object of JSON values' });
  }
}
