import type { PathEntry } from './active-path.js';
import type { ConversationSession } from './conversation-session.js';
import { ConversationStateError } from './conversation-state-error.js';

/**
 * The path a new answer is generated from. Normally the active path; when the cursor is an
 * assistant answer (no pending tool calls), the answer's parent: a completion there gives
 * an alternative answer (a sibling) instead of chaining an answer under an answer.
 */
export function answerBase(session: ConversationSession, operation: string): PathEntry[] | readonly PathEntry[] {
  const entries = session.path.entries;
  const cursor = entries.at(-1);
  if (cursor === undefined) {
    throw new ConversationStateError({
      conversationId: session.conversationId,
      operation,
      message: `Cannot ${operation} conversation "${session.conversationId}": it has no messages. Add one with \`addMessage({ role: 'user', content })\` first.`,
    });
  }
  const node = cursor.node;
  if (node.role === 'assistant' && (node.toolCalls === undefined || node.toolCalls.length === 0)) {
    if (entries.length === 1) {
      throw new ConversationStateError({
        conversationId: session.conversationId,
        operation,
        message: `Cannot ${operation} conversation "${session.conversationId}": its only message is an assistant message. Add a user message first.`,
      });
    }
    return session.path.prefix(entries.length - 1);
  }
  return entries;
}
