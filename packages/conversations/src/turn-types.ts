import type { ConversationNode, StreamPart, ToolCall } from '@dk/spec';
import type { CompletionResult } from './completion-result.js';

/** How a turn ended: with an answer, waiting for tool calls to be resolved, or at `maxSteps`. */
export type TurnStatus = 'complete' | 'pending-tool-calls' | 'max-steps';

/** Why a tool call is waiting. */
export type PendingReason =
  /** The tool `needsApproval`: `approveToolCall(id)` runs it, `rejectToolCall(id)` refuses it. */
  | 'needs-approval'
  /** The tool has no `execute`: add its result with `addMessage({ role: 'tool', toolCallId, content })`. */
  | 'no-execute'
  /**
   * It was started (by a turn or an approval) but no result was stored, e.g. the process
   * stopped meanwhile; it may or may not have run. `approveToolCall(id, { rerun: true })`
   * runs it again, `rejectToolCall(id)` gives up on it.
   */
  | 'interrupted';

/** A tool call that the stored tree shows without a result. */
export interface PendingToolCall {
  readonly toolCallId: string;
  readonly toolName: string;
  readonly arguments: ToolCall['arguments'];
  /** The assistant node that asked for the call. */
  readonly assistantNodeId: string;
  readonly reason: PendingReason;
}

/** One tool result of a step. */
export interface ToolResultRecord {
  readonly toolCallId: string;
  readonly toolName: string;
  /** The stored `tool` node (its content is what the model sees). */
  readonly node: ConversationNode;
  /** What `execute` returned (`undefined` for errors). */
  readonly output: unknown;
  readonly isError: boolean;
  readonly durationMs: number;
}

/** One step of a turn: a model call and the results of the tools it called. */
export interface CompletionStep {
  /** 1-based. */
  readonly step: number;
  /** The assistant node the model produced. */
  readonly node: ConversationNode;
  /** Results stored in this step, in call order (calls left pending have none). */
  readonly toolResults: readonly ToolResultRecord[];
}

/** A tool result, as `stream()` yields it after storing it. */
export interface ToolResultPart {
  readonly type: 'tool-result';
  readonly toolCallId: string;
  readonly toolName: string;
  readonly output: unknown;
  readonly isError: boolean;
  readonly nodeId: string;
}

/** A tool call the turn leaves pending (approval, client-side tool, interruption). */
export interface ToolPendingPart {
  readonly type: 'tool-pending';
  readonly call: PendingToolCall;
}

/** The end of one model call of a multi-step turn (the stream's own `end` comes once, last). */
export interface StepFinishPart {
  readonly type: 'step-finish';
  readonly step: number;
  /** The stored assistant node of the step. */
  readonly nodeId: string;
  readonly finishReason: string;
}

/** An invalid structured answer is being repaired: the text that follows replaces what was streamed. */
export interface RepairStartPart {
  readonly type: 'repair-start';
  readonly problems: readonly string[];
}

/** The final part of `stream()`: the result of the whole turn. */
export interface TurnEndPart extends Extract<StreamPart, { type: 'end' }> {
  readonly result: CompletionResult;
}

/** What `ConversationManager.stream` yields. */
export type ConversationStreamPart =
  | Exclude<StreamPart, { type: 'end' }>
  | ToolResultPart
  | ToolPendingPart
  | StepFinishPart
  | RepairStartPart
  | TurnEndPart;
