import type { ConversationNode, NewConversationNode, Usage } from '@dk/spec';
import type { PathEntry } from './active-path.js';
import { estimateTokens } from './active-path.js';
import type { ModelCallRecord } from './conversation-middleware.js';
import { ConversationInputError } from './conversation-input-error.js';
import type { CompactOptions } from './conversation-manager-options.js';
import type { ConversationSession } from './conversation-session.js';
import type { ConversationSummarizer } from './conversation-summarizer.js';
import { LlmSummarizer } from './llm-summarizer.js';
import { computeCostUsd } from './price-table.js';
import { modelCallRecord } from './turn-accounting.js';

/** Messages kept verbatim after a summary when nothing says otherwise. */
export const defaultKeepRecentMessages = 4;

/**
 * Compacts when the active path is over the session's context limit. Returns the summary's
 * model call (stored on the summary node) so the turn that triggered it can count it in its
 * middleware's `modelCalls` and token budget; `undefined` when nothing was folded or no
 * model wrote the summary.
 */
export async function enforceContextLimit(
  session: ConversationSession,
  signal: AbortSignal | undefined,
): Promise<ModelCallRecord | undefined> {
  const limit = session.contextLimit;
  const path = session.path;
  if (limit === undefined || path.length < 2) return undefined;
  const bodyMessages = path.length - 1;
  const tokens = path.last!.cumulativeTokens;
  const overMessages = limit.maxMessages !== undefined && bodyMessages > limit.maxMessages;
  const overTokens = limit.maxTokens !== undefined && tokens > limit.maxTokens;
  if (!overMessages && !overTokens) return undefined;
  const { call } = await compactPath(session, { ...(signal === undefined ? {} : { signal }) });
  return call;
}

/**
 * The first kept message: `keep` from the end, moved earlier so that a tool result is
 * never separated from the assistant message that called it.
 */
function keepStartOf(body: readonly PathEntry[], keep: number): number {
  let start = Math.max(0, body.length - keep);
  while (start > 0 && body[start]?.node.role === 'tool') start -= 1;
  return start;
}

/**
 * Folds the old part of the active path into a summary. Append-only: a `system` summary
 * node (`metadata.summary = true`) is added under the root and the most recent messages
 * are copied after it (`metadata.copiedFrom`), so the new active path is root → summary →
 * recent messages. The old branch stays in the tree. Returns the number of messages folded.
 */
export async function compact(session: ConversationSession, options: CompactOptions = {}): Promise<number> {
  return (await compactPath(session, options)).folded;
}

/** {@link compact}, also returning the summary's model call when a model wrote it. */
async function compactPath(
  session: ConversationSession,
  options: CompactOptions,
): Promise<{ readonly folded: number; readonly call?: ModelCallRecord }> {
  const keep = options.keepRecentMessages ?? session.contextLimit?.keepRecentMessages ?? defaultKeepRecentMessages;
  if (!Number.isInteger(keep) || keep < 0)
    throw new ConversationInputError({ field: 'keepRecentMessages', reason: 'must be an integer ≥ 0' });
  const entries = session.path.entries;
  const root = entries[0];
  if (root === undefined) return { folded: 0 };
  const body = entries.slice(1);
  const keepStart = keepStartOf(body, keep);
  const folded = body.slice(0, keepStart);
  const kept = body.slice(keepStart);
  if (folded.length === 0 || (folded.length === 1 && folded[0]!.node.metadata['summary'] === true)) {
    return { folded: 0 };
  }
  const summarizer: ConversationSummarizer =
    options.summarizer ?? session.contextLimit?.summarizer ?? new LlmSummarizer({ llm: session.llm });
  const started = performance.now();
  const summary = await summarizer.summarize({
    messages: folded.map((entry) => entry.message),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const summaryMetadata: Record<string, unknown> = {
    summary: true,
    summarizedCount: folded.length,
    summarizedFromNodeId: folded[0]!.node.id,
    summarizedToNodeId: folded.at(-1)!.node.id,
  };
  if (summary.model !== undefined) summaryMetadata['model'] = summary.model;
  if (summary.provider !== undefined) summaryMetadata['provider'] = summary.provider;
  if (summary.usage !== undefined) {
    summaryMetadata['usage'] = summary.usage;
    summaryMetadata['costUsd'] =
      summary.model === undefined ? null : computeCostUsd(session.prices, summary.model, summary.usage);
  } else if (summary.model !== undefined) {
    // A model wrote it but did not say how many tokens: unknown, not free.
    summaryMetadata['usage'] = null;
    summaryMetadata['usageUnknown'] = true;
    summaryMetadata['costUsd'] = null;
  }
  // Build the new branch off to the side; the cursor moves only with the last write.
  const writes: NewConversationNode[] = [
    { role: 'system', content: summary.content, metadata: summaryMetadata },
    ...kept.map(({ node }) => ({
      role: node.role,
      content: node.content,
      ...(node.name === undefined ? {} : { name: node.name }),
      ...(node.toolCallId === undefined ? {} : { toolCallId: node.toolCallId }),
      ...(node.toolCalls === undefined ? {} : { toolCalls: node.toolCalls }),
      ...(node.promptName === undefined ? {} : { promptName: node.promptName }),
      ...(node.branchName === undefined ? {} : { branchName: node.branchName }),
      metadata: { ...node.metadata, copiedFrom: node.id },
    })),
  ];
  let parentId = root.node.id;
  const nodes: ConversationNode[] = [];
  for (let index = 0; index < writes.length; index += 1) {
    const last = index === writes.length - 1;
    const result = await session.storage.appendNode({
      conversationId: session.conversationId,
      parentId,
      node: writes[index]!,
      moveCursor: last,
      ...(last ? { expectedVersion: session.record.version } : {}),
    });
    nodes.push(result.node);
    parentId = result.node.id;
    if (last) session.record = result.conversation;
  }
  session.path.replace(session.path.build(nodes, [root]));
  if (summary.model === undefined) return { folded: folded.length };
  const call: ModelCallRecord = {
    ...modelCallRecord(
      session.prices,
      'summary',
      summary.provider ?? 'unknown',
      { model: summary.model, usage: summary.usage as Usage },
      performance.now() - started,
      summary.usage === undefined ? estimateTokens(summary.content) : undefined,
    ),
    nodeId: nodes[0]!.id,
  };
  return { folded: folded.length, call };
}
