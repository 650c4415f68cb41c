import type { ConversationManager } from '@dk/conversations';

// `@dk/conversations` does not export its stream and tool-call types by name (yet); they are
// derived from the manager's methods so this package follows them exactly.

/** What `ConversationManager.stream` yields. */
export type ConversationStreamPart =
  ReturnType<ConversationManager['stream']> extends AsyncGenerator<infer Part> ? Part : never;

/** A tool call waiting for a result (approval, client-side tool, interruption). */
export type PendingToolCall = Awaited<ReturnType<ConversationManager['getPendingToolCalls']>>[number];

/** The result of a turn. */
export type TurnResult = Awaited<ReturnType<ConversationManager['complete']>>;
