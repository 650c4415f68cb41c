import type { ConversationMetadata, ToolCall } from '@dk/spec';
import type { PathEntry } from './active-path.js';
import type { ResolvedTool } from './tool-set.js';
import type { PendingReason, PendingToolCall } from './turn-types.js';

/**
 * The conversation-metadata key where tool runs started by `approveToolCall` are claimed
 * (`{ toolRuns: { [toolCallId]: { since } } }`) until their result is stored, so a call
 * never runs twice: not across processes (the claim is a version-checked write), and not
 * after a crash (a claim without a result is reported as `interrupted`).
 */
const runtimeMetadataKey = '_dk';

/** The tool calls of the assistant message that ends the path (followed only by tool results). */
export interface OpenToolCalls {
  readonly assistant: PathEntry;
  readonly calls: readonly ToolCall[];
  /** Ids of the calls that have a result on the path. */
  readonly answered: ReadonlySet<string>;
}

/** The open tool calls at the end of `entries`, or `undefined` when the path does not end in a tool-calling step. */
export function openToolCalls(entries: readonly PathEntry[]): OpenToolCalls | undefined {
  const answered = new Set<string>();
  let index = entries.length - 1;
  while (index >= 0 && entries[index]!.node.role === 'tool') {
    const id = entries[index]!.node.toolCallId;
    if (id !== undefined) answered.add(id);
    index -= 1;
  }
  const assistant = entries[index];
  const calls = assistant?.node.toolCalls;
  if (assistant === undefined || assistant.node.role !== 'assistant' || calls === undefined || calls.length === 0) {
    return undefined;
  }
  return { assistant, calls, answered };
}

/** The tool runs claimed in the conversation metadata. */
export function claimedRuns(metadata: ConversationMetadata): Readonly<Record<string, unknown>> {
  const runtime = metadata[runtimeMetadataKey];
  if (typeof runtime !== 'object' || runtime === null) return {};
  const runs = (runtime as Record<string, unknown>)['toolRuns'];
  return typeof runs === 'object' && runs !== null ? (runs as Record<string, unknown>) : {};
}

/** Metadata with the claim of `toolCallId` set (`claim` given) or removed. */
export function withClaim(
  metadata: ConversationMetadata,
  toolCallId: string,
  claim: Readonly<Record<string, unknown>> | undefined,
): ConversationMetadata {
  const runs: Record<string, unknown> = { ...claimedRuns(metadata) };
  if (claim === undefined) delete runs[toolCallId];
  else runs[toolCallId] = claim;
  const runtime = { ...(metadata[runtimeMetadataKey] as Record<string, unknown> | undefined), toolRuns: runs };
  const next: Record<string, unknown> = { ...metadata, [runtimeMetadataKey]: runtime };
  if (Object.keys(runs).length === 0) delete next[runtimeMetadataKey];
  return next;
}

/** Whether a tool wants approval for these arguments. */
export async function needsApproval(tool: ResolvedTool | undefined, args: unknown): Promise<boolean> {
  const rule = tool?.tool.needsApproval;
  if (rule === undefined || rule === false) return false;
  if (rule === true) return true;
  return (await rule(args)) === true;
}

/**
 * Why each unanswered call of `open` waits. `ownCalls` are calls this turn is about to
 * run itself (just produced by its model step); any other unanswered call that is neither
 * awaiting approval nor client-side was started by a turn that stopped: `interrupted`.
 */
export async function pendingCalls(
  open: OpenToolCalls,
  tools: ReadonlyMap<string, ResolvedTool>,
  metadata: ConversationMetadata,
): Promise<PendingToolCall[]> {
  const claims = claimedRuns(metadata);
  const pending: PendingToolCall[] = [];
  for (const call of open.calls) {
    if (open.answered.has(call.id)) continue;
    const tool = tools.get(call.name);
    let reason: PendingReason;
    if (claims[call.id] !== undefined) reason = 'interrupted';
    else if (tool === undefined || tool.tool.execute === undefined) reason = 'no-execute';
    else if (await needsApproval(tool, call.arguments)) reason = 'needs-approval';
    else reason = 'interrupted';
    pending.push({
      toolCallId: call.id,
      toolName: call.name,
      arguments: call.arguments,
      assistantNodeId: open.assistant.node.id,
      reason,
    });
  }
  return pending;
}
