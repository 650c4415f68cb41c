import type { ConversationManager } from '@dk/conversations';

/** A tool call waiting for the user (approval) or a result. */
export type PendingCall = Awaited<ReturnType<ConversationManager['getPendingToolCalls']>>[number];

/** A conversation in a listing. */
export interface ConversationSummaryView {
  readonly id: string;
  readonly title: string;
  readonly nodeCount: number;
  readonly currentNodeId: string | null;
  readonly updatedAt: string;
}

/** The result of a chat turn. */
export interface TurnResult {
  /** The stored user node (absent for a regeneration or a continuation). */
  readonly userNodeId: string | null;
  /** The last stored node of the turn: the answer, or the step waiting for tool calls. */
  readonly assistantNodeId: string;
  /** The text streamed in the turn. */
  readonly content: string;
  /** `complete`, `pending-tool-calls` (see `pending`) or `max-steps`. */
  readonly status: string;
  /** Tool calls waiting for `/approve` or `/reject`. */
  readonly pending: readonly PendingCall[];
}

/** Options of a streamed turn. */
export interface TurnOptions {
  /** Called with each piece of answer text as it arrives. */
  readonly onDelta?: (text: string) => void;
  /** Called when a tool ran, with its name and whether it failed. */
  readonly onToolResult?: (toolName: string, isError: boolean) => void;
  /** Cancels the model call (the partial answer is kept as an interrupted node). */
  readonly signal?: AbortSignal;
}
