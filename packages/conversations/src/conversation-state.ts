import type { ConversationMetadata, ConversationNode, LLMMessage, Usage } from '@dk/spec';

/** A read-only snapshot of a manager's conversation. */
export interface ConversationState {
  /** The conversation id. */
  readonly conversationId: string;
  /** The cursor: the last node of the active path, `null` while the conversation is empty. */
  readonly currentNodeId: string | null;
  /** Conversation-level metadata (frozen). */
  readonly metadata: ConversationMetadata;
  /** The stored record's optimistic-concurrency version. */
  readonly version: number;
  /** Nodes in the whole tree. */
  readonly nodeCount: number;
  /** The messages root → cursor: what the next completion sends (frozen, from the manager's cache). */
  getCurrentMessages(): readonly LLMMessage[];
  /** The nodes root → cursor (frozen). */
  getCurrentNodes(): readonly ConversationNode[];
}

/** One child of a node, as listed by `getBranches`. */
export interface BranchInfo {
  /** Node id. */
  readonly id: string;
  /** The node's branch label, if any. */
  readonly branchName: string | undefined;
  readonly role: ConversationNode['role'];
  /** The first 100 characters of the content. */
  readonly preview: string;
  /** When the node was stored. */
  readonly timestamp: Date;
  /** True for a partial answer kept from an aborted or failed stream. */
  readonly interrupted: boolean;
}

/** Token and cost totals. */
export interface ConversationTotals {
  /** Model calls counted: answers, interrupted answers, summaries, judges and discarded attempts. */
  readonly calls: number;
  /** Summed token usage. */
  readonly usage: Usage;
  /** Summed cost in US dollars of the priced calls (discarded retry attempts included). */
  readonly costUsd: number;
  /** Calls whose model had no price or whose usage is unknown (not included in `costUsd`). */
  readonly unpricedCalls: number;
  /** Calls whose provider did not report usage (not included in `usage`: unknown, not zero). */
  readonly unknownUsageCalls: number;
}
