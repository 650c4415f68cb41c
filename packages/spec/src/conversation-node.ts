import type { MessageRole, ToolCall } from './llm-message.js';

/** The author of a message in a conversation (the LLM contract's {@link MessageRole}). */
export type ConversationRole = MessageRole;

/**
 * JSON-serialisable key/value data attached to a conversation or a node. Stores persist it
 * as JSON: values must survive `JSON.stringify` (a `Date` comes back as a string,
 * `undefined` members are dropped).
 */
export type ConversationMetadata = Readonly<Record<string, unknown>>;

/** A tool call requested by an assistant message, stored with it (the LLM contract's {@link ToolCall}). */
export type ConversationToolCall = ToolCall;

/**
 * One message of a conversation tree, as stored.
 *
 * Node ids are dot paths of child positions: the root is `""`, its children `"0"`, `"1"`,
 * their children `"0.0"`, … (the parent of `"0.1"` is `"0"`). The store allocates the id
 * when the node is appended and never changes it.
 */
export interface ConversationNode {
  /** The conversation this node belongs to. */
  readonly conversationId: string;
  /** Dot-path id, unique within the conversation. */
  readonly id: string;
  /** Id of the parent node; `null` for the root. */
  readonly parentId: string | null;
  /** Index among the parent's children, in append order (the last segment of `id`; 0 for the root). */
  readonly position: number;
  /** Who wrote the message. */
  readonly role: ConversationRole;
  /** Message text (may be empty, e.g. for an assistant message that only calls tools). */
  readonly content: string;
  /** Optional participant or tool name. */
  readonly name?: string;
  /** Tool calls requested by an assistant message. */
  readonly toolCalls?: readonly ConversationToolCall[];
  /** For a `tool` message: the id of the call it answers. */
  readonly toolCallId?: string;
  /** Per-node metadata (model, usage, cost, RAG metadata, …); `{}` when none. */
  readonly metadata: ConversationMetadata;
  /** Name of the prompt the content was rendered from, when it was. */
  readonly promptName?: string;
  /** Optional label of the branch this node starts or belongs to. */
  readonly branchName?: string;
  /** When the node was appended (millisecond precision). */
  readonly createdAt: Date;
}

/** The caller-supplied part of a node; the store adds ids, parent, position and defaults. */
export interface NewConversationNode {
  /** Who wrote the message. */
  readonly role: ConversationRole;
  /** Message text. */
  readonly content: string;
  /** Optional participant or tool name. */
  readonly name?: string;
  /** Tool calls requested by an assistant message. */
  readonly toolCalls?: readonly ConversationToolCall[];
  /** For a `tool` message: the id of the call it answers. */
  readonly toolCallId?: string;
  /** Per-node metadata. Default `{}`. */
  readonly metadata?: ConversationMetadata;
  /** Name of the prompt the content was rendered from. */
  readonly promptName?: string;
  /** Optional branch label. */
  readonly branchName?: string;
  /** Creation time. Default: now. Importers pass the original time. */
  readonly createdAt?: Date;
}
