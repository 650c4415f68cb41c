/** A conversation in a listing. */
export interface ConversationSummaryView {
  readonly id: string;
  readonly title: string;
  readonly nodeCount: number;
  readonly currentNodeId: string | null;
  readonly updatedAt: string;
}

/** One node of a conversation tree as the front ends show it. */
export interface TreeNodeView {
  readonly id: string;
  readonly parentId: string | null;
  readonly role: string;
  /** What the user typed (for rendered prompts) or the message content. */
  readonly text: string;
  readonly branchName: string | null;
  /** On the active path root → cursor. */
  readonly active: boolean;
  /** A partial answer kept from a failed or aborted stream. */
  readonly interrupted: boolean;
  readonly editedFrom: string | null;
  readonly createdAt: string;
}

/** A conversation tree with its cursor. */
export interface TreeView {
  readonly id: string;
  readonly title: string;
  readonly currentNodeId: string | null;
  readonly nodes: readonly TreeNodeView[];
}

/** The result of a chat turn. */
export interface TurnResult {
  /** The stored user node (absent for a regeneration). */
  readonly userNodeId: string | null;
  /** The stored assistant node. */
  readonly assistantNodeId: string;
  readonly content: string;
  readonly usage: { readonly promptTokens: number; readonly completionTokens: number; readonly totalTokens: number };
}

/** Options of a streamed turn. */
export interface TurnOptions {
  /** Called with each piece of answer text as it arrives. */
  readonly onDelta?: (text: string) => void;
  /** Cancels the model call (the partial answer is kept as an interrupted node). */
  readonly signal?: AbortSignal;
}
