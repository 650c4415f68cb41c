import type { ToolCall, ToolSet } from '@dk/spec';
import type { ConversationMiddleware } from './conversation-middleware.js';
import type { ConversationSession } from './conversation-session.js';
import { ConversationStateError } from './conversation-state-error.js';
import { claimedRuns, openToolCalls, pendingCalls, withClaim } from './pending-tool-calls.js';
import type { OpenToolCalls } from './pending-tool-calls.js';
import { runToolCall, toolNode } from './tool-execution.js';
import { resolveTools } from './tool-set.js';
import { createAttemptContext, createTurnState } from './turn-context.js';
import type { PendingToolCall, ToolResultRecord } from './turn-types.js';

/** Options of `approveToolCall`. */
export interface ApproveToolCallOptions {
  /**
   * Run a call reported as `interrupted` (it was started before and may have run): only
   * when running it twice is acceptable. Default `false`.
   */
  readonly rerun?: boolean;
  /** Cancels the tool run (the call then stays `interrupted`). */
  readonly signal?: AbortSignal;
  /** Tools for this run, overriding the manager's by name. */
  readonly tools?: ToolSet;
  /** Middleware for this run (their tool hooks see the call), after the manager's. */
  readonly middleware?: readonly ConversationMiddleware[];
  /** Deadline of the execution in milliseconds. Default: the manager's, else 60 000. */
  readonly timeoutMs?: number;
}

/** The calls at the cursor that have no result, and why. */
export async function listPendingToolCalls(
  session: ConversationSession,
  tools?: ToolSet,
): Promise<readonly PendingToolCall[]> {
  const open = openToolCalls(session.path.entries);
  if (open === undefined) return [];
  return pendingCalls(open, resolveTools(session.tools, tools), session.record.metadata);
}

function requireOpenCall(
  session: ConversationSession,
  toolCallId: string,
  operation: string,
): { readonly open: OpenToolCalls; readonly call: ToolCall } {
  const open = openToolCalls(session.path.entries);
  const call = open?.calls.find((candidate) => candidate.id === toolCallId);
  if (open === undefined || call === undefined) {
    const waiting =
      open?.calls.filter((candidate) => !open.answered.has(candidate.id)).map((candidate) => candidate.id) ?? [];
    throw new ConversationStateError({
      conversationId: session.conversationId,
      operation,
      message: `No tool call "${toolCallId}" is waiting at the cursor of conversation "${session.conversationId}"${waiting.length === 0 ? '' : ` (waiting: ${waiting.join(', ')})`}. Call \`refresh()\` if another process changed the conversation, or \`getPendingToolCalls()\` to see what waits.`,
    });
  }
  if (open.answered.has(toolCallId)) {
    throw new ConversationStateError({
      conversationId: session.conversationId,
      operation,
      message: `Tool call "${toolCallId}" already has a result; it cannot be ${operation === 'approveToolCall' ? 'approved' : 'rejected'} again.`,
    });
  }
  return { open, call };
}

/**
 * Runs an approved call and stores its result. The run is claimed first with a
 * version-checked write of the conversation metadata (`_dk.toolRuns`), so two processes
 * approving the same call cannot both run it (the second gets `ConversationConflictError`),
 * and a run cut short by a crash is reported as `interrupted` instead of run again.
 */
export async function approveToolCall(
  session: ConversationSession,
  toolCallId: string,
  options: ApproveToolCallOptions,
): Promise<ToolResultRecord> {
  const { open, call } = requireOpenCall(session, toolCallId, 'approveToolCall');
  const tools = resolveTools(session.tools, options.tools);
  const pending = (await pendingCalls(open, tools, session.record.metadata)).find(
    (item) => item.toolCallId === toolCallId,
  );
  if (pending?.reason === 'no-execute') {
    throw new ConversationStateError({
      conversationId: session.conversationId,
      operation: 'approveToolCall',
      message: `Tool "${call.name}" has no \`execute\` here, so the call cannot be run; add its result with \`addMessage({ role: 'tool', toolCallId: '${toolCallId}', content })\` or pass the tool in \`tools\`.`,
    });
  }
  if (pending?.reason === 'interrupted' && options.rerun !== true) {
    throw new ConversationStateError({
      conversationId: session.conversationId,
      operation: 'approveToolCall',
      message: `Tool call "${toolCallId}" (${call.name}) was started before and has no result: it may have run already. Pass \`{ rerun: true }\` to run it again, or reject it with \`rejectToolCall\`.`,
    });
  }
  session.record = await session.storage.updateConversation({
    conversationId: session.conversationId,
    metadata: withClaim(session.record.metadata, toolCallId, { since: new Date().toISOString() }),
    expectedVersion: session.record.version,
  });
  const handle = session.beginTurn('approveToolCall', options.signal);
  try {
    const turn = createTurnState(session, 'tool-approval', open.assistant.node.id, handle.signal);
    const outcome = await runToolCall(call, {
      tools,
      middleware: session.activeMiddleware(options.middleware),
      context: createAttemptContext(session, turn, 1, 1).view,
      signal: handle.signal,
      conversationId: session.conversationId,
      timeoutMs: options.timeoutMs ?? session.toolTimeoutMs ?? 60_000,
      maxParallel: 1,
      now: session.now,
      telemetry: session.telemetry,
    });
    const node = await session.append(session.path.entries, toolNode(outcome, 'approved'));
    await releaseClaim(session, toolCallId);
    return {
      toolCallId,
      toolName: call.name,
      node,
      output: outcome.output,
      isError: outcome.isError,
      durationMs: outcome.durationMs,
    };
  } finally {
    handle.end();
  }
}

/** Removes a run claim once the result is stored (best effort: a stale claim only marks an answered call). */
async function releaseClaim(session: ConversationSession, toolCallId: string): Promise<void> {
  if (claimedRuns(session.record.metadata)[toolCallId] === undefined) return;
  try {
    session.record = await session.storage.updateConversation({
      conversationId: session.conversationId,
      metadata: withClaim(session.record.metadata, toolCallId, undefined),
      expectedVersion: session.record.version,
    });
  } catch {
    // Another writer moved on; the claim is harmless once the result exists.
  }
}

/** Stores a refusal as the call's result (an error the model reads), so the loop can go on. */
export async function rejectToolCall(
  session: ConversationSession,
  toolCallId: string,
  reason: string | undefined,
): Promise<ToolResultRecord> {
  const { call } = requireOpenCall(session, toolCallId, 'rejectToolCall');
  const content = `The user rejected this tool call${reason === undefined || reason === '' ? '.' : `: ${reason}`}`;
  const node = await session.append(session.path.entries, {
    role: 'tool',
    content,
    name: call.name,
    toolCallId,
    metadata: { toolName: call.name, isError: true, error: { kind: 'rejected' }, approval: 'rejected' },
  });
  await releaseClaim(session, toolCallId);
  return { toolCallId, toolName: call.name, node, output: undefined, isError: true, durationMs: 0 };
}
