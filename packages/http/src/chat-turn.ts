import type {
  AddMessageOptions,
  CompleteOptions,
  ConversationManager,
  ConversationStreamPart,
} from '@dk/conversations';
import type { ChatIntent, MessageParent } from './chat-request.js';
import { userTextKey } from './node-view.js';
import { toolOutput } from './path-messages.js';
import type { DkMessageMetadata, DkUIMessageChunk } from './ui-message.js';

/** A turn ready to stream: where its answer goes, and what to send before the model's parts. */
export interface PreparedTurn {
  readonly startMetadata: DkMessageMetadata;
  readonly prelude: readonly DkUIMessageChunk[];
  /** False when nothing is left to ask the model (e.g. more approvals are awaited). */
  readonly stream: boolean;
}

/** Moves the cursor to `nodeId` unless it is there already (a switch is a stored write). */
async function moveTo(manager: ConversationManager, nodeId: string): Promise<void> {
  if (manager.state.currentNodeId !== nodeId) await manager.switchToNode(nodeId);
}

async function placeUserMessage(manager: ConversationManager, parent: MessageParent): Promise<void> {
  if (parent.kind === 'node') return moveTo(manager, parent.nodeId);
  if (parent.kind === 'first') {
    // The first message goes under the system prompt when there is one; without one it is
    // the root (a conversation has one root: editing it is refused by the manager).
    const root = manager.state.getCurrentNodes()[0];
    if (root?.role === 'system') return moveTo(manager, root.id);
    if (root !== undefined) return manager.branchFrom(root.id);
  }
}

/**
 * Puts the conversation in the state the intent asks for — stores the user message (a new
 * child of its parent: an edit is a sibling), resolves the client's tool approvals and
 * outputs, or moves to the answer to regenerate — and says what the stream starts with.
 */
export async function prepareTurn({
  manager,
  intent,
  userMessage,
  signal,
}: {
  readonly manager: ConversationManager;
  readonly intent: ChatIntent;
  readonly userMessage: (text: string) => AddMessageOptions;
  readonly signal: AbortSignal;
}): Promise<PreparedTurn> {
  const conversationId = manager.conversationId;
  if (intent.kind === 'submit') {
    await placeUserMessage(manager, intent.parent);
    if (manager.state.metadata['title'] === undefined)
      await manager.updateMetadata({ title: intent.text.replace(/\s+/g, ' ').trim().slice(0, 80) });
    const options = userMessage(intent.text);
    const typed =
      'promptName' in options || (options as { content?: unknown }).content !== intent.text
        ? { [userTextKey]: intent.text }
        : {};
    const node = await manager.addMessage({
      ...options,
      metadata: {
        ...options.metadata,
        ...typed,
        ...(intent.editOf === undefined ? {} : { editedFrom: intent.editOf }),
      },
      ...('promptName' in options ? { signal } : {}),
    } as AddMessageOptions);
    return { startMetadata: { conversationId, parentNodeId: node.id }, prelude: [], stream: true };
  }
  if (intent.kind === 'regenerate') {
    if (intent.nodeId !== undefined) await moveTo(manager, intent.nodeId);
    const cursor = manager.state.getCurrentNodes().at(-1);
    const parentNodeId = cursor?.role === 'assistant' ? cursor.parentId : (cursor?.id ?? null);
    return { startMetadata: { conversationId, parentNodeId }, prelude: [], stream: true };
  }
  if (intent.anchorNodeId !== undefined) await moveTo(manager, intent.anchorNodeId);
  const prelude: DkUIMessageChunk[] = [];
  const pending = new Map((await manager.getPendingToolCalls()).map((call) => [call.toolCallId, call]));
  for (const answer of intent.approvals) {
    if (pending.get(answer.toolCallId)?.reason !== 'needs-approval') continue;
    pending.delete(answer.toolCallId);
    if (!answer.approved) {
      await manager.rejectToolCall(answer.toolCallId, answer.reason);
      prelude.push({ type: 'tool-output-denied', toolCallId: answer.toolCallId });
      continue;
    }
    const result = await manager.approveToolCall(answer.toolCallId, { signal });
    prelude.push(
      result.isError
        ? { type: 'tool-output-error', toolCallId: answer.toolCallId, errorText: result.node.content }
        : { type: 'tool-output-available', toolCallId: answer.toolCallId, output: toolOutput(result.node.content) },
    );
  }
  for (const output of intent.outputs) {
    if (pending.get(output.toolCallId)?.reason !== 'no-execute') continue;
    pending.delete(output.toolCallId);
    await manager.addMessage({
      role: 'tool',
      toolCallId: output.toolCallId,
      content: typeof output.output === 'string' ? output.output : JSON.stringify(output.output ?? null),
      metadata: output.isError ? { isError: true } : {},
    });
  }
  return {
    startMetadata: { conversationId, parentNodeId: manager.state.getCurrentNodes().at(-1)?.parentId ?? null },
    prelude,
    stream: pending.size === 0,
  };
}

/** The manager's stream for a prepared turn, or a finished one when nothing is left to ask. */
export function turnParts(
  manager: ConversationManager,
  prepared: PreparedTurn,
  options: CompleteOptions,
): AsyncGenerator<ConversationStreamPart, void, undefined> {
  return prepared.stream ? manager.stream(options) : (async function* () {})();
}
