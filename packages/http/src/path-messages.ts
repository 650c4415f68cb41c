import type { PendingToolCall } from '@dk/conversations';
import type { ConversationNode } from '@dk/spec';
import { displayText, nodeView, pathIds } from './node-view.js';
import type { UsageView } from './node-view.js';
import type { DkMessageMetadata, DkUIMessage, StepStartUIPart, TextUIPart, ToolUIPart } from './ui-message.js';

/** What a tool node holds, as the output of its UI part (JSON when it parses). */
export function toolOutput(content: string): unknown {
  try {
    return JSON.parse(content) as unknown;
  } catch {
    return content;
  }
}

/** The UI part of a tool call, from its stored result (or its pending state). */
function toolPart(
  call: NonNullable<ConversationNode['toolCalls']>[number],
  result: ConversationNode | undefined,
  pending: PendingToolCall | undefined,
): ToolUIPart {
  const base = { type: `tool-${call.name}` as const, toolCallId: call.id, input: call.arguments };
  if (result === undefined) {
    return pending?.reason === 'needs-approval'
      ? { ...base, state: 'approval-requested', approval: { id: call.id } }
      : { ...base, state: 'input-available' };
  }
  if (result.metadata['approval'] === 'rejected')
    return { ...base, state: 'output-denied', approval: { id: call.id, approved: false } };
  const approval = result.metadata['approval'] === 'approved' ? { approval: { id: call.id, approved: true } } : {};
  return result.metadata['isError'] === true
    ? { ...base, ...approval, state: 'output-error', errorText: result.content }
    : { ...base, ...approval, state: 'output-available', output: toolOutput(result.content) };
}

/** Sums of the model calls of an assistant turn (usage `null` when any call's usage is unknown). */
export function turnFigures(nodes: readonly ConversationNode[]): Partial<DkMessageMetadata> {
  const answers = nodes.filter((node) => node.role === 'assistant').map((node) => nodeView(node, true));
  const last = answers.at(-1);
  if (last === undefined) return {};
  let usage: UsageView | null = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
  let costUsd: number | null = 0;
  let latencyMs = 0;
  for (const answer of answers) {
    usage =
      usage === null || answer.usage === null
        ? null
        : {
            promptTokens: usage.promptTokens + answer.usage.promptTokens,
            completionTokens: usage.completionTokens + answer.usage.completionTokens,
            totalTokens: usage.totalTokens + answer.usage.totalTokens,
          };
    costUsd = costUsd === null || answer.costUsd === null ? null : costUsd + answer.costUsd;
    latencyMs += answer.latencyMs ?? 0;
  }
  const trace = nodes.filter((node) => node.role === 'assistant').at(-1)?.metadata['trace'];
  const traceId = typeof trace === 'object' && trace !== null ? (trace as { traceId?: unknown }).traceId : undefined;
  return {
    ...(typeof traceId === 'string' ? { traceId } : {}),
    ...(last.model === null ? {} : { model: last.model }),
    ...(last.provider === null ? {} : { provider: last.provider }),
    ...(last.finishReason === null ? {} : { finishReason: last.finishReason }),
    usage,
    costUsd,
    latencyMs: Math.round(latencyMs),
    modelCalls: answers.length,
    ...(answers.some((answer) => answer.interrupted) ? { interrupted: true } : {}),
  };
}

/**
 * The active path root → cursor as the AI SDK's UI messages: one message per user node,
 * one assistant message per turn (its steps, tool calls with their results, and the final
 * text). Ids are dk node ids (the user node; the turn's first assistant node); metadata
 * carries the node ids, the siblings for a switcher, and the recorded figures.
 */
export function pathMessages({
  conversationId,
  nodes,
  cursor,
  pending = [],
}: {
  readonly conversationId: string;
  readonly nodes: readonly ConversationNode[];
  readonly cursor: string | null;
  readonly pending?: readonly PendingToolCall[];
}): DkUIMessage[] {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const children = new Map<string | null, ConversationNode[]>();
  for (const node of nodes) {
    const siblings = children.get(node.parentId) ?? [];
    siblings.push(node);
    children.set(node.parentId, siblings);
  }
  const path = pathIds(cursor)
    .map((id) => byId.get(id))
    .filter((node): node is ConversationNode => node !== undefined);
  const results = new Map(
    path.filter((node) => node.role === 'tool' && node.toolCallId !== undefined).map((node) => [node.toolCallId, node]),
  );
  const pendingById = new Map(pending.map((call) => [call.toolCallId, call]));
  const siblingsOf = (node: ConversationNode): DkMessageMetadata['siblings'] => {
    const ids = (children.get(node.parentId) ?? []).filter((item) => item.role === node.role).map((item) => item.id);
    return { ids, index: ids.indexOf(node.id) };
  };

  const messages: DkUIMessage[] = [];
  let turn: ConversationNode[] = [];
  const flush = (): void => {
    const first = turn[0];
    if (first === undefined) return;
    const parts: (TextUIPart | ToolUIPart | StepStartUIPart)[] = [];
    for (const node of turn) {
      if (node.role !== 'assistant') continue;
      parts.push({ type: 'step-start' });
      if (node.content !== '') parts.push({ type: 'text', text: node.content, state: 'done' });
      for (const call of node.toolCalls ?? [])
        parts.push(toolPart(call, results.get(call.id), pendingById.get(call.id)));
    }
    messages.push({
      id: first.id,
      role: 'assistant',
      parts,
      metadata: {
        conversationId,
        nodeId: (turn.at(-1) as ConversationNode).id,
        nodeIds: turn.map((node) => node.id),
        parentNodeId: first.parentId,
        siblings: siblingsOf(first),
        createdAt: first.createdAt.toISOString(),
        ...turnFigures(turn),
      },
    });
    turn = [];
  };
  for (const node of path) {
    if (node.role === 'assistant' || node.role === 'tool') {
      turn.push(node);
      continue;
    }
    flush();
    if (node.role !== 'user') continue;
    const view = nodeView(node, true);
    messages.push({
      id: node.id,
      role: 'user',
      parts: [{ type: 'text', text: displayText(node) }],
      metadata: {
        conversationId,
        nodeId: node.id,
        nodeIds: [node.id],
        parentNodeId: node.parentId,
        siblings: siblingsOf(node),
        createdAt: view.createdAt,
        ...(view.rag.length === 0 ? {} : { rag: view.rag }),
      },
    });
  }
  flush();
  return messages;
}
