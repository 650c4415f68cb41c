import type { ConversationRecord } from '@dk/spec';

/** What an importer stored. */
export interface ImportConversationResult {
  /** The created conversation, cursor set. */
  readonly conversation: ConversationRecord;
  /** Source message/node id → id of the stored node. Skipped (empty) source nodes are absent. */
  readonly nodeIds: ReadonlyMap<string, string>;
}

/** Options shared by the importers. */
export interface ImportConversationOptions {
  /** Id for the new conversation. Default: the source's id (or a generated one when it has none). */
  readonly conversationId?: string;
  /** Extra conversation metadata, merged over what the source carries. */
  readonly metadata?: Readonly<Record<string, unknown>>;
}
